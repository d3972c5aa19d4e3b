import createClient, { type Client } from "openapi-fetch";
import type { paths } from "./schema";

/**
 * The typed client of the agent API: paths, parameters, bodies and answers are the types
 * generated from the served OpenAPI document (schema.ts, `npm run openapi:types`), so a call
 * that the document does not describe does not compile. The tests and the bench call the API
 * through it.
 */
export type { components, operations, paths } from "./schema";
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
