import { problem } from "@/lib/api/http";

/** Paths the API does not have answer problem+json, like everything else under /api/v1. */
function notFound(request: Request): Response {
  return problem("not_found", `There is no ${new URL(request.url).pathname}. See /api/v1/openapi.json.`);
}

export const GET = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
