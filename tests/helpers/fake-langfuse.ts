import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A fake Langfuse on 127.0.0.1 that follows Langfuse's own public API definition
 * (langfuse/langfuse, fern/apis/server/definition/api.yml, score.yml, commons.yml):
 * - HTTP basic auth: username the project's public key, password its secret key; else 401;
 * - `POST /api/public/scores` with a CreateScoreRequest (`traceId`, `name`, `value` required;
 *   `id`, `comment`, `dataType`, `metadata` optional; a CATEGORICAL value is a string, NUMERIC and
 *   BOOLEAN values are numbers) creates the score, or overwrites the one with the same `id`,
 *   and answers 200 `{id}`; a body that does not fit is 400;
 * - `DELETE /api/public/scores/{scoreId}` deletes it (204), 404 when there is no such score;
 * - any other method on those paths is 405, any other path 404.
 * Error bodies are JSON objects with a `message`, as the server sends them.
 */

export interface Score {
  id: string;
  traceId: string;
  name: string;
  value: number | string;
  dataType: "NUMERIC" | "CATEGORICAL" | "BOOLEAN";
  comment?: string;
  metadata?: unknown;
}

export interface LangfuseRequest {
  method: string;
  path: string;
  authorized: boolean;
  body: unknown;
  status: number;
}

export interface FakeLangfuse {
  url: string;
  publicKey: string;
  secretKey: string;
  scores: Map<string, Score>;
  requests: LangfuseRequest[];
  /** Makes the next `n` requests answer `status` (a Langfuse outage), before any checks. */
  failNext(n: number, status: number): void;
  /** Holds every request's answer until the returned function is called; `held` counts those waiting. */
  hold(): () => void;
  held(): number;
  waitFor(predicate: (f: FakeLangfuse) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const DATA_TYPES = ["NUMERIC", "CATEGORICAL", "BOOLEAN"] as const;

function validScore(body: unknown): Score | string {
  if (!body || typeof body !== "object" || Array.isArray(body)) return "Invalid request body";
  const b = body as Record<string, unknown>;
  if (typeof b.traceId !== "string" || b.traceId === "") return "traceId: Required";
  if (typeof b.name !== "string" || b.name === "") return "name: Required";
  if (b.id !== undefined && typeof b.id !== "string") return "id: Expected string";
  if (b.comment !== undefined && b.comment !== null && typeof b.comment !== "string") return "comment: Expected string";
  const dataType = (b.dataType ?? "NUMERIC") as Score["dataType"];
  if (!DATA_TYPES.includes(dataType)) return "dataType: Invalid enum value";
  if (dataType === "CATEGORICAL" && typeof b.value !== "string") return "value: categorical scores need a string value";
  if (dataType !== "CATEGORICAL" && typeof b.value !== "number")
    return "value: numeric and boolean scores need a number";
  if (dataType === "BOOLEAN" && b.value !== 0 && b.value !== 1) return "value: boolean scores are 0 or 1";
  return {
    id: (b.id as string | undefined) ?? crypto.randomUUID(),
    traceId: b.traceId,
    name: b.name,
    value: b.value as number | string,
    dataType,
    ...(typeof b.comment === "string" ? { comment: b.comment } : {}),
    ...(b.metadata !== undefined ? { metadata: b.metadata } : {}),
  };
}

export async function startFakeLangfuse(
  publicKey = "pk-lf-test",
  secretKey = "sk-lf-test",
  port = 0,
): Promise<FakeLangfuse> {
  const scores = new Map<string, Score>();
  const requests: LangfuseRequest[] = [];
  let failures: { n: number; status: number } = { n: 0, status: 500 };
  let gate: Promise<void> | null = null;
  let waiting = 0;
  const expected = `Basic ${Buffer.from(`${publicKey}:${secretKey}`).toString("base64")}`;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      if (gate) {
        waiting += 1;
        await gate;
        waiting -= 1;
      }
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = Symbol.for("invalid");
      }
      const path = new URL(req.url ?? "/", "http://x").pathname;
      const authorized = req.headers.authorization === expected;
      const answer = (status: number, payload?: unknown) => {
        requests.push({ method: req.method ?? "", path, authorized, body, status });
        if (payload === undefined) {
          res.writeHead(status).end();
        } else {
          res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(payload));
        }
      };
      if (failures.n > 0) {
        failures.n -= 1;
        return answer(failures.status, { message: "Internal Server Error" });
      }
      if (!authorized) return answer(401, { message: "Unauthorized: invalid public or secret key" });
      if (path === "/api/public/scores") {
        if (req.method !== "POST") return answer(405, { message: "Method not allowed" });
        if (typeof body === "symbol") return answer(400, { message: "Invalid JSON" });
        const score = validScore(body);
        if (typeof score === "string") return answer(400, { message: "Invalid request data", error: score });
        scores.set(score.id, score);
        return answer(200, { id: score.id });
      }
      const match = /^\/api\/public\/scores\/([^/]+)$/.exec(path);
      if (match) {
        if (req.method !== "DELETE") return answer(405, { message: "Method not allowed" });
        const id = decodeURIComponent(match[1]!);
        if (!scores.has(id)) return answer(404, { message: "Score not found" });
        scores.delete(id);
        return answer(204);
      }
      return answer(404, { message: "Not found" });
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const fake: FakeLangfuse = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    publicKey,
    secretKey,
    scores,
    requests,
    failNext(n, status) {
      failures = { n, status };
    },
    hold() {
      let release = () => {};
      gate = new Promise<void>((resolve) => {
        release = () => {
          gate = null;
          resolve();
        };
      });
      return release;
    },
    held: () => waiting,
    async waitFor(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(fake)) {
        if (Date.now() > deadline) {
          throw new Error(
            `fake Langfuse: condition not met; requests: ${JSON.stringify(requests.map((r) => [r.method, r.path, r.status]))}`,
          );
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return fake;
}
