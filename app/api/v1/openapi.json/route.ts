import { otherMethods } from "@/lib/api/http";
import { openApiDocument } from "@/lib/api/openapi";

/** The OpenAPI 3.1 document, generated from the zod schemas; public, like the reference page. */
export function GET(): Response {
  return Response.json(openApiDocument(), { headers: { "cache-control": "public, max-age=300" } });
}

export const { POST, PUT, PATCH, DELETE } = otherMethods("GET");
