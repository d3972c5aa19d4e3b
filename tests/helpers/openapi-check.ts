import { createHash } from "node:crypto";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

/**
 * Checks the API's answers against the OpenAPI document the app serves (GET /api/v1/openapi.json):
 * the operation is found by method and path template, and then its status must be documented,
 * its content type must be one the document gives for that status, and its body must validate
 * against that schema (JSON Schema 2020-12, with formats). A 204 or a status documented without
 * content must have no body.
 *
 * The in-process fetch (tests/helpers/in-process.ts) passes every answer through checkAnswer;
 * the Vitest setup file (tests/helpers/openapi-setup.ts) fails the test during which a
 * violation was recorded. Answers that no operation documents (405 from a method the path does
 * not have, unknown paths, routes outside /api/v1) are skipped and counted.
 */

// biome-ignore lint/suspicious/noExplicitAny: the document is walked generically.
type Json = any;

const DOC_ID = "https://tapdesk.test/api/v1/openapi.json";
const API_PREFIX = "/api/v1";

interface Checker {
  doc: Json;
  ajv: Ajv2020;
  validators: Map<string, ValidateFunction>;
  templates: { template: string; pattern: RegExp; literals: number }[];
}

let loaded: Promise<Checker> | undefined;

/** Built once per test file, on the first answer: the served document, compiled. */
function checker(): Promise<Checker> {
  loaded ??= load();
  return loaded;
}

async function load(): Promise<Checker> {
  const { GET } = await import("../../app/api/v1/openapi.json/route");
  const doc = await GET().json();
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  // zod writes `startsWith` as this format beside the `pattern` that checks it.
  ajv.addFormat("starts_with", true);
  ajv.addSchema(doc, DOC_ID);
  const templates = Object.keys(doc.paths).map((template) => {
    const parts = template.split("/").filter(Boolean);
    const pattern = parts.map((p) => (/^\{\w+\}$/.test(p) ? "[^/]+" : p.replace(/[.*+?^$()|[\]\\]/g, "\\$&")));
    return {
      template,
      pattern: new RegExp(`^/${pattern.join("/")}$`),
      literals: parts.filter((p) => !p.startsWith("{")).length,
    };
  });
  // A literal segment wins over a {name}, as in the router.
  templates.sort((a, b) => b.literals - a.literals);
  return { doc, ajv, validators: new Map(), templates };
}

/** A JSON pointer into the document, as a URI fragment. */
function pointer(...keys: string[]): string {
  return `#/${keys.map((k) => encodeURIComponent(k.replaceAll("~", "~0").replaceAll("/", "~1"))).join("/")}`;
}

function isJson(mediaType: string): boolean {
  return mediaType === "application/json" || mediaType.endsWith("+json");
}

function mediaMatches(documented: string, actual: string): boolean {
  if (documented === "*/*" || documented === actual) return true;
  return documented.endsWith("/*") && actual.startsWith(documented.slice(0, -1));
}

export interface Violation {
  /** The test during which the answer came back, when there was one. */
  test: string | undefined;
  message: string;
}

const violations: Violation[] = [];
const skipped = new Map<string, number>();
let checked = 0;
let currentTest: string | undefined;

/** Set by the setup file around each test, so a violation names the test that met it. */
export function setCurrentTest(name: string | undefined): void {
  currentTest = name;
}

/** Removes and returns the violations recorded during `test` (all of them when it is omitted). */
export function takeViolations(test?: string): Violation[] {
  const taken: Violation[] = [];
  for (let i = violations.length - 1; i >= 0; i--) {
    if (test === undefined || violations[i]!.test === test) taken.unshift(...violations.splice(i, 1));
  }
  return taken;
}

/** One line: how many answers were checked, and how many were skipped and why. */
export function checkSummary(): string | null {
  if (checked === 0 && skipped.size === 0) return null;
  const skips = [...skipped].map(([what, n]) => `${what} ×${n}`);
  const total = [...skipped.values()].reduce((a, b) => a + b, 0);
  return `OpenAPI response check: ${checked} answers valid against the served document; ${total} skipped, no documented operation${skips.length ? ` (${skips.join(", ")})` : ""}`;
}

/** A path with its ids folded, for counting the skipped answers by kind. */
function shape(pathname: string): string {
  return pathname.replace(/\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?=\/|$)/gi, "/{id}");
}

/** What was asked, when the caller has it: the headers and body the documented header rules need. */
export interface Asked {
  headers: Headers;
  body: Uint8Array;
}

export async function checkAnswer(
  method: string,
  pathname: string,
  response: Response,
  body: Uint8Array,
  asked?: Asked,
) {
  const at = `${method} ${pathname} → ${response.status}`;
  const found = pathname.startsWith(`${API_PREFIX}/`)
    ? await operationOf(method, pathname.slice(API_PREFIX.length))
    : null;
  if (!found) {
    const headers = pollHeaderViolation(method, pathname, response, body);
    if (headers) violations.push({ test: currentTest, message: `${at}: ${headers}` });
    const what = `${method} ${shape(pathname)} ${response.status}`;
    skipped.set(what, (skipped.get(what) ?? 0) + 1);
    return;
  }
  const problem =
    (await violationOf(found, response, body)) ??
    (await problemViolation(found, response, body)) ??
    headerViolation(method, pathname, response, body, asked);
  if (problem)
    violations.push({
      test: currentTest,
      message: `${at} (${found.method.toUpperCase()} ${found.template}): ${problem}`,
    });
  else checked += 1;
}

async function operationOf(method: string, path: string): Promise<{ template: string; method: string } | null> {
  const { doc, templates } = await checker();
  const lower = method.toLowerCase();
  const match = templates.find((t) => t.pattern.test(path) && doc.paths[t.template][lower]);
  return match ? { template: match.template, method: lower } : null;
}

async function violationOf(
  op: { template: string; method: string },
  response: Response,
  body: Uint8Array,
): Promise<string | null> {
  const { doc, ajv, validators } = await checker();
  const responses = doc.paths[op.template][op.method].responses;
  const status = String(response.status);
  const key = [status, `${status[0]}XX`, "default"].find((k) => responses[k]);
  if (!key) return `status ${status} is not documented (documented: ${Object.keys(responses).join(", ")})`;
  const documented = responses[key];
  const content: Record<string, unknown> | undefined = documented.content;
  if (!content)
    return body.byteLength === 0 ? null : `the document gives no content for ${status}, the answer has a body`;
  const mediaType = (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const media = Object.keys(content).find((m) => mediaMatches(m, mediaType));
  if (!media)
    return `content type "${mediaType}" is not documented for ${status} (documented: ${Object.keys(content).join(", ")})`;
  if (!isJson(mediaType) || !(content[media] as Json)?.schema) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body).toString("utf8"));
  } catch {
    return "the body is not JSON";
  }
  const ref = `${DOC_ID}${pointer("paths", op.template, op.method, "responses", key, "content", media, "schema")}`;
  let validate = validators.get(ref);
  if (!validate) {
    validate = ajv.compile({ $ref: ref });
    validators.set(ref, validate);
  }
  if (validate(value)) return null;
  const errors = (validate.errors ?? []).map(
    (e) =>
      `${e.instancePath || "(body)"} ${e.message}${e.params && "additionalProperty" in e.params ? ` (${e.params.additionalProperty})` : ""}`,
  );
  return `the body does not match the schema: ${[...new Set(errors)].slice(0, 5).join("; ")}`;
}

/**
 * A problem+json answer names a code the operation declares (`x-error-codes`), under the status
 * the document lists that code for, and repeats that status in its body.
 */
async function problemViolation(
  op: { template: string; method: string },
  response: Response,
  body: Uint8Array,
): Promise<string | null> {
  const mediaType = (response.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (mediaType !== "application/problem+json") return null;
  const { doc } = await checker();
  const operation = doc.paths[op.template][op.method];
  const problem = JSON.parse(Buffer.from(body).toString("utf8")) as { code?: string; status?: number };
  const declared: string[] = operation["x-error-codes"] ?? [];
  if (!problem.code || !declared.includes(problem.code)) {
    return `problem code ${problem.code} is not one the operation declares (x-error-codes: ${declared.join(", ")})`;
  }
  if (problem.status !== response.status) return `the problem's status ${problem.status} is not the answer's`;
  const listed = String(operation.responses[String(response.status)]?.description ?? "").split(", ");
  if (!listed.includes(problem.code)) {
    return `problem code ${problem.code} is documented under another status than ${response.status}`;
  }
  return null;
}

/** First answers to POSTs with an Idempotency-Key, by caller, key and request: what a repeat replays. */
const firstAnswers = new Map<string, { status: number; body: string }>();

/**
 * The headers the document promises in its prose: `Retry-After` (whole seconds) on every 429;
 * `Idempotent-Replayed: true` exactly on a repeat of an earlier POST with the same
 * Idempotency-Key and request, which gets the first answer byte for byte.
 */
function headerViolation(
  method: string,
  pathname: string,
  response: Response,
  body: Uint8Array,
  asked: Asked | undefined,
): string | null {
  if (response.status === 429 && !/^[1-9]\d*$/.test(response.headers.get("retry-after") ?? "")) {
    return `a 429 without Retry-After in whole seconds (${response.headers.get("retry-after")})`;
  }
  const replayed = response.headers.get("idempotent-replayed");
  const key = asked?.headers.get("idempotency-key");
  if (replayed !== null && (replayed !== "true" || method !== "POST" || (asked && !key))) {
    return `Idempotent-Replayed: ${replayed} on an answer that is no replay of a POST with an Idempotency-Key`;
  }
  if (!asked || !key || method !== "POST") return null;
  const request = [
    asked.headers.get("authorization"),
    key,
    pathname,
    createHash("sha256").update(asked.body).digest("hex"),
  ].join("\n");
  const first = firstAnswers.get(request);
  const text = Buffer.from(body).toString("utf8");
  // 504 upstream_outcome_unknown keeps the key bound: a repeat answers 504 again while the send
  // is unsettled, then the settled result (replayed, and from then on under the key), or runs
  // afresh when the upstream is known not to have sent it. Whatever comes first after the 504s
  // is what later repeats must replay.
  const unsettled = response.status === 504 && /"code":"upstream_outcome_unknown"/.test(text);
  if (first?.status === 504) {
    if (!unsettled) firstAnswers.set(request, { status: response.status, body: text });
    return null;
  }
  if (!first && unsettled) {
    if (replayed) return "Idempotent-Replayed on the first answer to this Idempotency-Key";
    firstAnswers.set(request, { status: 504, body: text });
    return null;
  }
  if (!first) {
    if (replayed) return "Idempotent-Replayed on the first answer to this Idempotency-Key";
    // 5xx answers are not stored (the key runs again); 409 and 422 about the key itself are
    // answers to the key's state, not the request's.
    if (response.status < 500 && !/"code":"idempotency_key_(in_use|reused)"/.test(text)) {
      firstAnswers.set(request, { status: response.status, body: text });
    }
    return null;
  }
  if (!replayed) {
    if (/"code":"idempotency_key_in_use"/.test(text)) return null;
    return `a repeat of an earlier POST with Idempotency-Key ${key} was answered without Idempotent-Replayed`;
  }
  if (response.status !== first.status || text !== first.body) {
    return `a replay differs from the first answer (${first.status} → ${response.status})`;
  }
  return null;
}

/** The dashboard's polls (outside /api/v1): every 200 and 304 carries the ETag a next poll sends back. */
function pollHeaderViolation(method: string, pathname: string, response: Response, body: Uint8Array): string | null {
  if (method !== "GET" || !/^\/api\/ui\/(inbox|conversations\/[^/]+)$/.test(pathname)) return null;
  if (response.status !== 200 && response.status !== 304) return null;
  if (!response.headers.get("etag")) return `a poll's ${response.status} without an ETag`;
  if (response.status === 304 && body.byteLength > 0) return "a 304 with a body";
  return null;
}
