import createClient, { type Client } from "openapi-fetch";
import type { paths } from "../../generated/openapi";

/**
 * The typed client of the agent API: paths, parameters, bodies and answers are the types
 * generated from the served OpenAPI document (lib/generated/openapi.ts, written after
 * `npm install` and by `npm run openapi:types`), so a call
 * that the document does not describe does not compile. The tests and the bench call the API
 * through it.
 */
export type { components, operations, paths } from "../../generated/openapi";
export type TapdeskClient = Client<paths>;

export interface TapdeskClientOptions {
  /** The server's origin, e.g. `http://127.0.0.1:3000`; the API is under its /api/v1. */
  baseUrl: string;
  /** An API key, sent as `Authorization: Bearer <key>`; null sends no Authorization header. */
  key: string | null;
  /** Defaults to the global fetch. */
  fetch?: (request: Request) => Promise<Response>;
}

export function createTapdeskClient({ baseUrl, key, fetch }: TapdeskClientOptions): TapdeskClient {
  return createClient<paths>({
    baseUrl: `${baseUrl.replace(/\/+$/, "")}/api/v1`,
    fetch,
    headers: key === null ? {} : { authorization: `Bearer ${key}` },
  });
}

/** What the client answers: `data` for a 2xx, `error` (the problem) otherwise, and the response. */
interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * The data of an answer that must be a 2xx; any other answer throws, naming the path, the
 * status and the problem. For callers with no use for a refusal: test fixtures, the bench.
 */
export async function succeeded<T>(answer: Promise<Answer<T>>): Promise<T> {
  const { data, error, response } = await answer;
  if (!response.ok) {
    throw new Error(`${new URL(response.url).pathname} answered ${response.status}: ${JSON.stringify(error)}`);
  }
  return data as T;
}
