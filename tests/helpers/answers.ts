import { expect } from "vitest";
import type { components } from "@/lib/api/client";
import { bodyOf } from "./in-process";

/**
 * Assertions on the API's answers as the typed client gives them (`{ data, error, response }`),
 * and as `world.raw` gives them, in the same shape.
 */

export type Problem = components["schemas"]["Problem"];
export type Schemas = components["schemas"];

interface Answer {
  response: Response;
  error?: unknown;
}

/** A problem+json answer with this status and code; returns the problem. */
export function expectProblem(answer: Answer, status: number, code: string): Problem {
  const problem = answer.error as Problem | undefined;
  expect({ status: answer.response.status, code: problem?.code }).toEqual({ status, code });
  expect(answer.response.headers.get("content-type")).toBe("application/problem+json");
  expect(problem!.detail.length).toBeGreaterThan(0);
  return problem!;
}

/** The answer's body as it came, read or not by the client since. */
export function textOf(answer: { response: Response }): string {
  return bodyOf(answer.response).text;
}

/** The answer's bytes as they came. */
export function bytesOf(answer: { response: Response }): Buffer {
  return Buffer.from(bodyOf(answer.response).bytes);
}
