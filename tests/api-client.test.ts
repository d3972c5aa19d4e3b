import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SCHEMA_FILE, schemaTypes } from "@/scripts/openapi-types";

describe("the typed client", () => {
  it("has the types that the served OpenAPI document generates (npm run openapi:types)", async () => {
    const generated = readFileSync(SCHEMA_FILE, "utf8");
    expect(generated, "lib/generated/openapi.ts is stale: run `npm run openapi:types`").toBe(await schemaTypes());
  });
});
