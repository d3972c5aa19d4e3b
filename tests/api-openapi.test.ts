import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import * as openapi from "@/app/api/v1/openapi.json/route";
import { openApiDocument } from "@/lib/api/openapi";
import { type Operation, operationsOf } from "@/lib/api/operation";
import { OPERATIONS } from "@/lib/api/operations";
import { PROBLEM_CODES } from "@/lib/api/schemas";
import { ERRORS, type ErrorCode } from "@/lib/errors";

const API_DIR = path.join(import.meta.dirname, "..", "app", "api", "v1");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** Every route file under app/api/v1 (but the catch-all and the document): its segments and exports. */
async function routeFiles() {
  const found: { segments: string[]; module: Record<string, unknown> }[] = [];
  const walk = async (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) await walk(full);
      else if (name === "route.ts") {
        const segments = path.relative(API_DIR, dir).split(path.sep);
        if (segments[0] === "[...path]" || segments[0] === "openapi.json") continue;
        found.push({ segments, module: (await import(/* @vite-ignore */ full)) as Record<string, unknown> });
      }
    }
  };
  await walk(API_DIR);
  return found;
}

/**
 * How well a route file serves an operation's path, as Next.js picks: null when it does not;
 * else the number of literal segments it matches (a literal directory wins over `[name]`).
 * `[name]` serves the operation's `{name}` (the handler reads that param) or any literal.
 */
function rank(segments: string[], op: Operation): number | null {
  const parts = op.path.split("/").filter(Boolean);
  if (parts.length !== segments.length) return null;
  let literal = 0;
  for (const [i, segment] of segments.entries()) {
    const part = parts[i]!;
    const param = segment.match(/^\[(\w+)\]$/)?.[1];
    if (segment === part) literal++;
    else if (!param || (part.startsWith("{") && part !== `{${param}}`)) return null;
  }
  return literal;
}

describe("the OpenAPI document", () => {
  it("is served without authentication as OpenAPI 3.1", async () => {
    const res = await openapi.GET();
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.paths["/reactions"].post.requestBody.content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/SendReactionRequest",
    });
  });

  it("is served by the route files: each exports exactly the operations of its path, and each is routed once", async () => {
    const files = await routeFiles();
    // Where Next.js sends each operation's path: the best-fitting route file.
    const home = new Map(
      OPERATIONS.map((op) => {
        const ranked = files
          .map((file) => ({ file, rank: rank(file.segments, op) }))
          .filter((r) => r.rank !== null)
          .sort((a, b) => b.rank! - a.rank!);
        expect(ranked[0], `${op.method.toUpperCase()} ${op.path} has a route file`).toBeDefined();
        return [op, ranked[0]!.file] as const;
      }),
    );
    const routed: Operation[] = [];
    for (const file of files) {
      const where = `app/api/v1/${file.segments.join("/")}/route.ts`;
      const allow = METHODS.filter((m) => operationsOf(file.module[m]).length > 0).join(", ");
      for (const method of METHODS) {
        const handler = file.module[method];
        expect(typeof handler, `${where} exports ${method}`).toBe("function");
        const served = operationsOf(handler);
        const expected = OPERATIONS.filter((op) => home.get(op) === file && op.method.toUpperCase() === method);
        expect(served, `${method} of ${where}`).toEqual(expected);
        routed.push(...served);
        if (served.length === 0) {
          // The methods the path lacks: 405 with the methods it has (nothing is read before).
          const res = await (handler as (r: Request) => Promise<Response>)(
            new Request("http://tapdesk.test/api/v1/x", { method }),
          );
          expect([res.status, res.headers.get("allow")], `${method} of ${where}`).toEqual([405, allow]);
        }
      }
    }
    expect(routed).toHaveLength(OPERATIONS.length);
    expect(new Set(routed)).toEqual(new Set(OPERATIONS));
  });

  it("has every $ref resolving, and only known problem codes with their statuses", () => {
    const doc = openApiDocument();
    const refs: string[] = [];
    JSON.stringify(doc, (key, value) => {
      if (key === "$ref") refs.push(value);
      return value;
    });
    for (const ref of refs) {
      const [, section, name] = ref.match(/^#\/components\/(schemas|parameters)\/(\w+)$/) ?? [];
      expect(
        section && name && (doc.components as Record<string, Record<string, unknown>>)[section]?.[name],
        ref,
      ).toBeTruthy();
    }
    for (const op of OPERATIONS) {
      const operation = (
        doc.paths[op.path] as Record<string, { responses: Record<string, unknown>; "x-error-codes": string[] }>
      )[op.method]!;
      for (const code of operation["x-error-codes"]) {
        expect(PROBLEM_CODES).toContain(code);
        expect(operation.responses[String(ERRORS[code as ErrorCode].status)]).toBeDefined();
      }
    }
  });

  it("lists the error table of a tapback send in the order it is checked", () => {
    const doc = openApiDocument();
    const codes = (doc.paths["/reactions"] as { post: { "x-error-codes": string[] } }).post["x-error-codes"];
    const table = [
      "unauthorized",
      "invalid_json",
      "validation_failed",
      "invalid_reaction",
      "invalid_part_index",
      "message_not_found",
      "reaction_not_sendable",
      "identity_not_imessage",
      "contact_blocked",
      "recipient_disconnected",
      "conversation_taken_over",
      "message_not_reactable",
      "upstream_delivery_failed",
    ];
    expect(codes.filter((c) => table.includes(c))).toEqual(table);
  });

  it("gives every operation real examples: a parsing body for each body, a UUID for each id in the path", () => {
    const doc = openApiDocument();
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    for (const op of OPERATIONS) {
      const name = `${op.method.toUpperCase()} ${op.path}`;
      const operation = (doc.paths[op.path] as Record<string, OperationDoc>)[op.method]!;
      if (op.body) {
        const example = operation.requestBody?.content["application/json"]?.example;
        expect(example, `${name} has an example body`).toBeDefined();
        const parsed = op.body.safeParse(example);
        expect(parsed.success, `${name}'s example parses: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      }
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in !== "path") continue;
        expect(parameter.example, `${name} {${parameter.name}}`).toEqual(expect.any(String));
        if (parameter.schema?.format === "uuid") expect(parameter.example, `${name} {${parameter.name}}`).toMatch(uuid);
      }
    }
    const send = (doc.paths["/reactions"] as Record<string, OperationDoc>).post!;
    const body = send.requestBody!.content["application/json"]!.example as { message_id: string; reaction: string };
    expect(body.message_id).toMatch(uuid);
    expect(body.reaction).toBe("love");
  });

  it("says each operation's problems in check order, as a table in its description, from the same list", () => {
    const doc = openApiDocument();
    for (const op of OPERATIONS) {
      const operation = (doc.paths[op.path] as Record<string, OperationDoc>)[op.method]!;
      const rows = [...operation.description.matchAll(/^\| (\d+) \| (\d{3}) \| `(\w+)` \|/gm)];
      expect(
        rows.map((r) => r[3]),
        `${op.method.toUpperCase()} ${op.path}`,
      ).toEqual(operation["x-error-codes"]);
      expect(rows.map((r) => Number(r[1]))).toEqual(rows.map((_, i) => i + 1));
      for (const row of rows) expect(Number(row[2])).toBe(ERRORS[row[3] as ErrorCode].status);
    }
  });

  it("names both vendors' contracts and the whole send check order in its introduction", () => {
    const intro = openApiDocument().info.description;
    expect(intro).toContain("agent-platform contract (`POST /reactions`");
    expect(intro).toContain("Linq's operation form (`POST /messages/{id}/reactions`");
    const order = intro.match(/A tapback send checks, in this order: ([^.]+)\./)![1]!.split("; ");
    const codes = order.map((entry) => entry.split(" ")[1]);
    expect(codes).toContain("invalid_part_index");
    const send = (openApiDocument().paths["/reactions"] as Record<string, OperationDoc>).post!;
    expect(codes).toEqual(send["x-error-codes"]);
  });
});

interface OperationDoc {
  description: string;
  parameters?: { name: string; in: string; example?: unknown; schema?: { format?: string } }[];
  requestBody?: { content: Record<string, { example?: unknown }> };
  "x-error-codes": string[];
}
