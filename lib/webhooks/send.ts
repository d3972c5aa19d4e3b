import http from "node:http";
import https from "node:https";
import { pinnedLookup } from "./pinned-fetch";
import type { Destination } from "./ssrf";

/**
 * One HTTP POST of a webhook. node:http rather than fetch because it lets the connection
 * go to the address the SSRF guard checked (a custom `lookup`), never follows redirects,
 * and gives one deadline for the whole exchange.
 */

export interface SendOutcome {
  statusCode: number | null;
  /** The first bytes of the response body, for the delivery log. */
  responseBody: string | null;
  /** Why no usable answer came (network error, timeout); null when a response arrived. */
  error: string | null;
  durationMs: number;
}

const RESPONSE_BODY_LIMIT = 1024;
const USER_AGENT = "Tapdesk-Webhooks/1.0";

// Keep-alive pools; a pooled socket was opened to an address that passed the guard.
const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 64 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

export function postWebhook(
  url: URL,
  headers: Record<string, string>,
  body: string,
  options: {
    timeoutMs: number;
    destination: Destination;
    /** Langfuse scores are deleted with DELETE (lib/feedback/score-worker.ts); webhooks always POST. */
    method?: "POST" | "DELETE";
  },
): Promise<SendOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const secure = url.protocol === "https:";
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: Omit<SendOutcome, "durationMs">) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve({ ...outcome, durationMs: elapsed() });
    };
    const payload = Buffer.from(body, "utf8");
    const request = (secure ? https : http).request(url, {
      method: options.method ?? "POST",
      agent: secure ? agents.https : agents.http,
      headers: {
        ...headers,
        ...(payload.byteLength > 0 ? { "content-type": "application/json" } : {}),
        "content-length": String(payload.byteLength),
        "user-agent": USER_AGENT,
      },
      lookup: pinnedLookup(options.destination),
    });
    const deadline = setTimeout(() => {
      finish({ statusCode: null, responseBody: null, error: `No response within ${options.timeoutMs / 1000} s.` });
      request.destroy();
    }, options.timeoutMs);
    request.on("error", (error) => finish({ statusCode: null, responseBody: null, error: networkError(error) }));
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        const text = Buffer.concat(chunks).toString("utf8").slice(0, RESPONSE_BODY_LIMIT);
        finish({ statusCode: response.statusCode ?? null, responseBody: text || null, error: null });
      };
      response.on("data", (chunk: Buffer) => {
        if (size < RESPONSE_BODY_LIMIT) chunks.push(chunk);
        size += chunk.byteLength;
      });
      response.on("end", done);
      // A body cut off midway still leaves the status code worth recording.
      response.on("error", done);
    });
    request.end(payload);
  });
}

function networkError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case "ECONNREFUSED":
      return "Connection refused.";
    case "ECONNRESET":
      return "The connection was reset.";
    case "ENOTFOUND":
      return "The host could not be resolved.";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "The host is unreachable.";
    default:
      return error.message || "Network error.";
  }
}
