import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { SCALAR_BUNDLE } from "../scalar";

/**
 * Scalar's browser bundle, streamed from node_modules. The page asks for it with the installed
 * version in the query (`?v=1.76.0`), so a browser may keep it a year: an upgrade changes the address.
 */
export function GET(): Response {
  const body = Readable.toWeb(createReadStream(SCALAR_BUNDLE)) as ReadableStream<Uint8Array>;
  return new Response(body, {
    headers: {
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": "public, max-age=31536000, immutable",
    },
  });
}
