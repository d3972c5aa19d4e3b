import { afterAll, afterEach, beforeEach, expect } from "vitest";
import { checkSummary, setCurrentTest, takeViolations, type Violation } from "./openapi-check";

/**
 * Vitest setup file: a test fails when an answer it got from the API disagrees with the served
 * OpenAPI document (see ./openapi-check.ts); answers met outside a test (in beforeAll, say)
 * fail the file at its end, which also prints how many answers were checked and skipped.
 */

function fail(found: Violation[]): never {
  const lines = found.map((v) => `  ${v.message}`);
  throw new Error(`${found.length} API answer(s) disagree with the served OpenAPI document:\n${lines.join("\n")}`);
}

beforeEach(() => {
  setCurrentTest(expect.getState().currentTestName);
});

afterEach(() => {
  const found = takeViolations(expect.getState().currentTestName);
  setCurrentTest(undefined);
  if (found.length) fail(found);
});

afterAll(() => {
  const summary = checkSummary();
  if (summary) console.log(summary);
  const found = takeViolations();
  if (found.length) fail(found);
});
