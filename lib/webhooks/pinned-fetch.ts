import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { Readable } from "node:stream";
import type { Destination } from "./ssrf";

/**
 * Outbound requests connect to the address the SSRF guard checked, never to what a second
 * DNS lookup answers (DNS rebinding: a name that is public at the check and 127.0.0.1, 10.x
 * or 169.254.169.254 a moment later). The host name still goes out as it was (Host header,
 * TLS server name and certificate check); only the address to connect to is fixed.
 */
export function pinnedLookup(destination: Destination): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: destination.address, family: destination.family }]);
    else callback(null, destination.address, destination.family);
  };
}

/**
 * A `fetch` for one checked destination (the bridge client's requests): node:http with the
 * lookup pinned, no connection pool shared with anything unchecked, redirects never followed.
 * Failures reject as the global fetch does (a TypeError whose `cause` is the network error;
 * the signal's reason on abort), so callers classify them the same way.
 */
export function pinnedFetch(destination: Destination): typeof fetch {
  const lookup = pinnedLookup(destination);
  return (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const secure = url.protocol === "https:";
    const signal = init.signal ?? undefined;
    return new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const body = typeof init.body === "string" ? Buffer.from(init.body, "utf8") : undefined;
      const headers = new Headers(init.headers);
      if (body) headers.set("content-length", String(body.byteLength));
      const request = (secure ? https : http).request(url, {
        method: init.method ?? "GET",
        headers: Object.fromEntries(headers),
        lookup,
        agent: false,
      });
      const abort = () => request.destroy(signal?.reason);
      signal?.addEventListener("abort", abort, { once: true });
      request.on("error", (error) => {
        signal?.removeEventListener("abort", abort);
        reject(signal?.aborted ? signal.reason : new TypeError("fetch failed", { cause: error }));
      });
      request.on("response", (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400 && response.headers.location && init.redirect !== "manual") {
          response.destroy();
          request.destroy();
          return reject(new TypeError("fetch failed", { cause: new Error("unexpected redirect") }));
        }
        const answer = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          if (Array.isArray(value)) for (const v of value) answer.append(name, v);
          else if (value !== undefined) answer.set(name, value);
        }
        response.once("close", () => signal?.removeEventListener("abort", abort));
        const empty = status === 204 || status === 304 || init.method === "HEAD";
        resolve(
          new Response(empty ? null : (Readable.toWeb(response) as ReadableStream<Uint8Array>), {
            status,
            statusText: response.statusMessage,
            headers: answer,
          }),
        );
      });
      request.end(body);
    });
  };
}
