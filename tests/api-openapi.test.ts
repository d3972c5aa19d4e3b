import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import * as openapi from "@/app/api/v1/openapi.json/route";
import { isMethodNotAllowed } from "@/lib/api/http";
import { OPERATIONS, openApiDocument, statusOf } from "@/lib/api/openapi";
import { PROBLEM_CODES } from "@/lib/api/schemas";

const API_DIR = path.join(import.meta.dirname, "..", "app", "api", "v1");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** Every route file under app/api/v1 as a path template and the methods it exports. */
async function routes() {
  const found: { path: string; methods: string[] }[] = [];
  const walk = async (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) await walk(full);
      else if (name === "route.ts") {
        const rel = path.relative(API_DIR, dir).split(path.sep);
        if (rel[0] === "[...path]" || rel[0] === "openapi.json") continue;
        const module = (await import(/* @vite-ignore */ full)) as Record<string, unknown>;
        found.push({
          path: `/${rel.map((seg) => seg.replace(/^\[(\w+)\]$/, "{$1}")).join("/")}`,
          methods: METHODS.filter((m) => typeof module[m] === "function" && !isMethodNotAllowed(module[m])).map((m) =>
            m.toLowerCase(),
          ),
        });
      }
    }
  };
  await walk(API_DIR);
  return found;
}

/** `{name}` in a route path matches any one segment of a documented path. */
function matches(template: string, documented: string) {
  const pattern = template.replace(/\{\w+\}/g, "[^/]+");
  return new RegExp(`^${pattern}$`).test(documented);
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

  it("documents every route handler and method, and nothing that does not exist", async () => {
    const doc = openApiDocument();
    const found = await routes();
    for (const route of found) {
      for (const method of route.methods) {
        const documented = Object.keys(doc.paths).filter(
          (p) => matches(route.path, p) && (doc.paths[p] as Record<string, unknown>)[method],
        );
        expect(documented, `${method.toUpperCase()} ${route.path}`).not.toEqual([]);
      }
    }
    for (const op of OPERATIONS) {
      const route = found.find((r) => matches(r.path, op.path) && r.methods.includes(op.method));
      expect(route, `${op.method.toUpperCase()} ${op.path}`).toBeDefined();
    }
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
        expect(operation.responses[String(statusOf(code as never))]).toBeDefined();
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
      "message_not_reactable",
      "upstream_delivery_failed",
    ];
    expect(codes.filter((c) => table.includes(c))).toEqual(table);
  });
});
