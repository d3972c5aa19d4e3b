import { bodyOf, inProcessFetch, TEST_ORIGIN } from "./in-process";
import type { Random } from "./random";

/**
 * A schema-driven fuzzer for the HTTP API: it walks the served OpenAPI document and, for every
 * operation, sends requests whose fields hold hostile values (wrong types, NUL and lone
 * surrogates, huge numbers and strings, deep nesting, injection strings, path ids that are not
 * UUIDs), mixed with valid ones so that the deeper checks run too. Used by
 * tests/api-fuzz.test.ts (bounded) and `npm run fuzz` (100,000 requests).
 */

// biome-ignore lint/suspicious/noExplicitAny: JSON Schema and OpenAPI documents are walked generically.
type Json = any;

export interface FuzzRequest {
  method: string;
  /** Path under /api/v1 with its query string, e.g. /messages/…/reactions?limit=5 */
  path: string;
  body?: string;
  headers: Record<string, string>;
}

export interface FuzzResponse {
  status: number;
  contentType: string | null;
  text: string;
}

export interface Operation {
  method: string;
  template: string;
  pathParams: string[];
  query: { name: string; schema: Json }[];
  body: Json | null;
}

/** Every operation of the document, with $refs resolved. */
export function operations(doc: Json): Operation[] {
  const resolve = (node: Json): Json => {
    if (node && typeof node === "object" && typeof node.$ref === "string") {
      const target = node.$ref
        .replace(/^#\//, "")
        .split("/")
        .reduce((at: Json, key: string) => at?.[key], doc);
      return resolve(target);
    }
    return node;
  };
  const out: Operation[] = [];
  for (const [template, item] of Object.entries<Json>(doc.paths)) {
    for (const [method, op] of Object.entries<Json>(item)) {
      if (!op || typeof op !== "object" || !op.responses) continue;
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(resolve);
      const schema = op.requestBody?.content?.["application/json"]?.schema;
      out.push({
        method: method.toUpperCase(),
        template,
        pathParams: params.filter((p: Json) => p.in === "path").map((p: Json) => p.name),
        query: params.filter((p: Json) => p.in === "query").map((p: Json) => ({ name: p.name, schema: p.schema })),
        body: schema ? { root: doc, schema } : null,
      });
    }
  }
  return out;
}

const deep = (depth: number): Json => {
  let v: Json = [];
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

/** Values no field should accept blindly. */
export const HOSTILE: readonly Json[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  -0.000001,
  1e308,
  -1e308,
  2 ** 53 + 2,
  2 ** 31,
  -(2 ** 63),
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "x\udfff",
  "\ufeff\u202e",
  "😀👍🏽🏳️‍🌈",
  "x".repeat(10_000),
  "9".repeat(400),
  "' OR 1=1 --",
  "'; DROP TABLE reaction; --",
  "<script>alert(1)</script>",
  "../../../../etc/passwd",
  "%00%2e%2e%2f",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, meant literally.
  "${7*7}{{7*7}}",
  "\r\nSet-Cookie: a=b",
  "null",
  "00000000-0000-0000-0000-000000000000",
  "not-a-uuid",
  "javascript:alert(1)",
  "file:///etc/passwd",
  [],
  [null, 1, "a"],
  deep(64),
  {},
  { $ne: null },
  JSON.parse('{"__proto__": {"polluted": true}}'),
  { nested: { deeper: { deepest: ["\u0000"] } } },
];

/** Raw bodies that are not the JSON an operation wants at all. */
const RAW_BODIES = [
  "",
  "{",
  "nul",
  "[]",
  "null",
  "0",
  '"text"',
  "{}",
  '{"a":}',
  "\u0000",
  "[".repeat(5000),
  `{"a":${"[".repeat(3000)}${"]".repeat(3000)}}`,
  "\ud800",
  '{"__proto__":{"x":1}}',
  '{"message_id": 1e999}',
];

export interface IdPool {
  /** Ids of existing records by kind (conversation, message, reaction, agent, …). */
  [kind: string]: string[];
}

/** Which kind of record an id parameter or field names. */
function kindOf(template: string, name: string): string {
  if (name !== "id") return name.replace(/_id$|Id$/, "");
  const segments = template.split("/").filter(Boolean);
  const i = segments.indexOf(`{${name}}`);
  const collection = segments[i - 1] ?? "";
  return collection.replace(/-/g, "_").replace(/s$/, "");
}

/** A valid-looking value for a schema: the fuzzer's starting point. */
function validValue(schema: Json, root: Json, r: Random, ids: IdPool, field: string, depth = 0): Json {
  const s = resolveIn(root, schema);
  if (!s || depth > 8) return null;
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.enum)) return r.pick(s.enum);
  const branches = s.anyOf ?? s.oneOf;
  if (Array.isArray(branches)) {
    const usable = branches.filter((b: Json) => resolveIn(root, b)?.type !== "null");
    return validValue(r.pick(usable.length ? usable : branches), root, r, ids, field, depth + 1);
  }
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== "null") : s.type;
  switch (type) {
    case "object": {
      const out: Json = {};
      const required: string[] = s.required ?? [];
      for (const [name, sub] of Object.entries<Json>(s.properties ?? {})) {
        if (required.includes(name) || r.chance(0.4)) out[name] = validValue(sub, root, r, ids, name, depth + 1);
      }
      return out;
    }
    case "array": {
      const n = Math.max(s.minItems ?? 0, 1);
      return Array.from({ length: n }, () => validValue(s.items, root, r, ids, field, depth + 1));
    }
    case "integer":
    case "number":
      return s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 0);
    case "boolean":
      return r.chance(0.5);
    case "string": {
      if (s.format === "uuid")
        return r.pick(ids[kindOf("", field)] ?? ids.message ?? ["00000000-0000-0000-0000-000000000000"]);
      // URLs point at a closed loopback port: nothing is ever fetched from elsewhere.
      if (s.format === "uri" || /url$/.test(field)) return "http://127.0.0.1:9/fuzz";
      if (s.format === "email") return "fuzz@example.test";
      if (s.format === "date-time") return new Date().toISOString();
      if (s.pattern?.includes("\\+")) return "+14155550123";
      if (field === "custom_emoji") return "🔥";
      return "fuzz".slice(0, Math.max(1, s.maxLength ?? 4)).padEnd(s.minLength ?? 1, "z");
    }
    default:
      return "fuzz";
  }
}

function resolveIn(root: Json, node: Json): Json {
  if (node && typeof node === "object" && typeof node.$ref === "string") {
    return resolveIn(
      root,
      node.$ref
        .replace(/^#\//, "")
        .split("/")
        .reduce((at: Json, key: string) => at?.[key], root),
    );
  }
  return node;
}

/** Every path into a JSON value (for picking one field to spoil). */
function fieldPaths(value: Json, at: (string | number)[] = []): (string | number)[][] {
  if (value && typeof value === "object") {
    const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
    return [at, ...keys.flatMap((k) => fieldPaths(value[k as never], [...at, k]))];
  }
  return [at];
}

function setAt(value: Json, at: (string | number)[], to: Json): Json {
  if (at.length === 0) return to;
  const copy = Array.isArray(value) ? [...value] : { ...value };
  copy[at[0] as never] = setAt(copy[at[0] as never], at.slice(1), to) as never;
  return copy;
}

/** Percent-encodes a path segment; a lone surrogate becomes the bytes a client would send for it (invalid UTF-8). */
function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return `${encodeURIComponent(value.replace(/[\uD800-\uDFFF]/gu, ""))}%ED%A0%80`;
  }
}

const hostileString = (r: Random) => {
  const v = r.pick(HOSTILE);
  return typeof v === "string" ? v : JSON.stringify(v);
};

/**
 * One request for `op`: mostly spoiled, sometimes valid. With `valid`, never spoiled: existing
 * ids, schema-valid query values and body, no Idempotency-Key (the fuzz's way to show that
 * every operation can be reached past validation).
 */
export function fuzzRequest(op: Operation, r: Random, ids: IdPool, options: { valid?: boolean } = {}): FuzzRequest {
  if (options.valid) return validRequest(op, r, ids);
  let p = op.template;
  for (const name of op.pathParams) {
    const kind = kindOf(op.template, name);
    const roll = r.next();
    const value =
      roll < 0.6 && ids[kind]?.length
        ? r.pick(ids[kind]!)
        : roll < 0.75
          ? crypto.randomUUID()
          : hostileString(r).slice(0, 300);
    p = p.replace(`{${name}}`, encodeSegment(value));
  }
  const query = new URLSearchParams();
  for (const q of op.query) {
    if (r.chance(0.5)) continue;
    query.set(
      q.name,
      r.chance(0.5) ? String(validValue(q.schema, {}, r, ids, q.name)) : hostileString(r).slice(0, 2000),
    );
  }
  const headers: Record<string, string> = {};
  if (op.method === "POST" && r.chance(0.2)) {
    headers["idempotency-key"] = r.pick(["", "k".repeat(300), `fuzz-${r.int(50)}`, "key with spaces", "%00"]);
  }
  let body: string | undefined;
  if (op.body || r.chance(0.1)) {
    headers["content-type"] = r.chance(0.95) ? "application/json" : r.pick(["text/plain", "application/xml", ""]);
    const roll = r.next();
    if (roll < 0.1) {
      body = r.pick(RAW_BODIES);
    } else {
      let value = op.body ? validValue(op.body.schema, op.body.root, r, ids, "") : {};
      if (roll < 0.55) {
        const at = r.pick(fieldPaths(value));
        value = setAt(value, at, r.pick(HOSTILE));
      } else if (roll < 0.7) {
        for (const at of fieldPaths(value).filter((a) => a.length > 0)) {
          if (r.chance(0.5)) value = setAt(value, at, r.pick(HOSTILE));
        }
      } else if (roll < 0.8 && value && typeof value === "object" && !Array.isArray(value)) {
        value = { ...value, [r.pick(["extra", "__proto__", "constructor", "id", "workspace_id"])]: r.pick(HOSTILE) };
      }
      // Keep the sandbox upstream usable: a valid "fail" or "hold" would make later sends 502 by design.
      if (
        op.template === "/sandbox/upstream" &&
        value &&
        typeof value === "object" &&
        (value.mode === "fail" || value.mode === "hold")
      ) {
        value.mode = "ok";
      }
      if (op.template === "/sandbox/upstream" && typeof value?.latency_ms === "number" && value.latency_ms <= 60_000) {
        value.latency_ms = 0;
      }
      body = JSON.stringify(value);
    }
  }
  const qs = query.toString();
  return { method: op.method, path: qs ? `${p}?${qs}` : p, body, headers };
}

function validRequest(op: Operation, r: Random, ids: IdPool): FuzzRequest {
  let p = op.template;
  for (const name of op.pathParams) {
    const pool = ids[kindOf(op.template, name)];
    p = p.replace(`{${name}}`, encodeSegment(pool?.length ? r.pick(pool) : crypto.randomUUID()));
  }
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (op.body) {
    headers["content-type"] = "application/json";
    const value = validValue(op.body.schema, op.body.root, r, ids, "");
    // As in fuzzRequest: keep the sandbox upstream delivering at once.
    if (op.template === "/sandbox/upstream" && value && typeof value === "object") {
      value.mode = "ok";
      value.latency_ms = 0;
    }
    body = JSON.stringify(value);
  }
  return { method: op.method, path: p, body, headers };
}

/** Sends requests to the route handlers in-process; their answers are checked against the document. */
export function inProcessTarget(key: string) {
  return async (req: FuzzRequest): Promise<FuzzResponse> => {
    const response = await inProcessFetch(
      new Request(`${TEST_ORIGIN}/api/v1${req.path}`, {
        method: req.method,
        headers: { ...req.headers, authorization: `Bearer ${key}` },
        body: req.method === "GET" || req.method === "HEAD" ? undefined : req.body,
      }),
    );
    return { status: response.status, contentType: response.headers.get("content-type"), text: bodyOf(response).text };
  };
}

/** Sends requests to a running server. */
export function httpTarget(baseUrl: string, key: string) {
  return async (req: FuzzRequest): Promise<FuzzResponse> => {
    const response = await fetch(`${baseUrl}/api/v1${req.path}`, {
      method: req.method,
      headers: { ...req.headers, authorization: `Bearer ${key}` },
      body: req.method === "GET" || req.method === "HEAD" ? undefined : req.body,
    });
    return { status: response.status, contentType: response.headers.get("content-type"), text: await response.text() };
  };
}
