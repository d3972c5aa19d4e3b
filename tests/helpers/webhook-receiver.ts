import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/**
 * An independent webhook receiver on 127.0.0.1: it verifies every request's signature
 * itself with the Standard Webhooks reference library, answers what the test tells it to,
 * and counts requests in flight per webhook-id.
 */

export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  /** Parsed body, whether or not the signature verified. */
  json: { id: string; type: string; created_at: string; data: Record<string, unknown> };
  /** The receiver's secrets that verify this request (none: forged or unsigned). */
  verifiedWith: string[];
  /** What the receiver answered. */
  status: number;
}

export interface Answer {
  status: number;
  delayMs?: number;
  headers?: Record<string, string>;
}

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** The secrets to verify with; set after creating the endpoint. */
  secrets: string[];
  /** How to answer a request; `seen` counts earlier requests with the same webhook-id. */
  respond: (request: Omit<Received, "status">, seen: number) => Answer;
  /** The most requests with one webhook-id that were ever in flight at the same time. */
  maxConcurrentPerId(): number;
  /** Requests being answered right now, and the most there ever were at once. */
  inFlight(): number;
  maxInFlight(): number;
  waitFor(predicate: (received: Received[]) => boolean, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(path = "/hooks", host = "127.0.0.1"): Promise<Receiver> {
  const received: Received[] = [];
  const inFlight = new Map<string, number>();
  const seen = new Map<string, number>();
  let maxConcurrent = 0;
  let total = 0;
  let maxTotal = 0;
  const receiver: Receiver = {
    url: "",
    port: 0,
    received,
    secrets: [],
    respond: () => ({ status: 200 }),
    maxConcurrentPerId: () => maxConcurrent,
    inFlight: () => total,
    maxInFlight: () => maxTotal,
    async waitFor(predicate, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline) {
          throw new Error(
            `Receiver: condition not met within ${timeoutMs} ms; got ${received.map((r) => `${r.json.type}/${r.status}`).join(", ") || "nothing"}`,
          );
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      return received;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const headers = {
      "webhook-id": String(req.headers["webhook-id"] ?? ""),
      "webhook-timestamp": String(req.headers["webhook-timestamp"] ?? ""),
      "webhook-signature": String(req.headers["webhook-signature"] ?? ""),
    };
    const id = headers["webhook-id"];
    const now = (inFlight.get(id) ?? 0) + 1;
    inFlight.set(id, now);
    maxConcurrent = Math.max(maxConcurrent, now);
    total++;
    maxTotal = Math.max(maxTotal, total);
    const verifiedWith = receiver.secrets.filter((secret) => {
      try {
        new Webhook(secret).verify(body, headers);
        return true;
      } catch {
        return false;
      }
    });
    let json: Received["json"];
    try {
      json = JSON.parse(body);
    } catch {
      json = { id: "", type: "(unparseable)", created_at: "", data: {} };
    }
    const request = {
      id,
      timestamp: headers["webhook-timestamp"],
      signature: headers["webhook-signature"],
      body,
      json,
      verifiedWith,
    };
    const answer = receiver.respond(request, seen.get(id) ?? 0);
    seen.set(id, (seen.get(id) ?? 0) + 1);
    // In arrival order, with the answer the receiver is about to give.
    received.push({ ...request, status: answer.status });
    if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs).unref());
    inFlight.set(id, (inFlight.get(id) ?? 1) - 1);
    total--;
    res.writeHead(answer.status, { "content-type": "text/plain", ...answer.headers });
    res.end(answer.status < 300 ? "ok" : `answered ${answer.status}`);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://${host}:${receiver.port}${path}`;
  return receiver;
}
