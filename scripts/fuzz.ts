// `npm run fuzz [-- --requests N --seed S --backend pglite|postgres]`: the schema-driven fuzz of
// tests/api-fuzz.test.ts at scale. Every operation of the served OpenAPI document gets hostile
// requests in turn, through the app's route handlers, on a fresh database with the demo
// workspace; it prints how many answers each status got, and exits non-zero on any 5xx, on a
// refused request that changed stored data (checked on every 50th request, run alone), or on an
// answer that disagrees with the served OpenAPI document.
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";

process.env.TAPDESK_SECRET_KEY ||= randomBytes(32).toString("base64");
delete process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE;
delete process.env.TAPDESK_ALLOW_PRIVATE_URLS;

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "100000" },
    seed: { type: "string", default: String(Date.now() % 1_000_000) },
    backend: { type: "string", default: "pglite" },
    concurrency: { type: "string", default: "8" },
  },
});
const total = Number(values.requests);
const seed = Number(values.seed);

const { GET: openapi } = await import("../app/api/v1/openapi.json/route");
const { apiWorld, extraKey } = await import("../tests/helpers/api");
const { dataFingerprint } = await import("../tests/helpers/db-state");
const { fuzzRequest, inProcessTarget, operations } = await import("../tests/helpers/openapi-fuzz");
const { random } = await import("../tests/helpers/random");
const { checkSummary, takeViolations } = await import("../tests/helpers/openapi-check");
const { createEndpoint } = await import("../lib/webhooks/endpoints");
const { logger } = await import("../lib/observability/log");
// Unhandled errors are logged by the app; the fuzz reports them as the 5xx they answer.
logger().level = "silent";

const w = await apiWorld(values.backend === "postgres" ? "postgres" : "pglite");
const where = { workspaceId: w.scope.workspaceId };
const endpoint = await createEndpoint(
  w.t.prisma,
  w.scope,
  { url: "http://127.0.0.1:9/fuzz", events: ["reaction.added"] },
  { allowPrivate: true },
);
await extraKey(w, null, "fuzz victim");
const ids = async () => {
  const p = w.t.prisma;
  const list = (rows: { id: string }[]) => rows.map((r) => r.id);
  return {
    conversation: list(await p.conversation.findMany({ where, select: { id: true }, take: 50 })),
    message: list(await p.message.findMany({ where, select: { id: true }, take: 200 })),
    target_message: list(await p.message.findMany({ where, select: { id: true }, take: 200 })),
    reaction: list(await p.reaction.findMany({ where, select: { id: true }, take: 200 })),
    agent: list(await p.agent.findMany({ where, select: { id: true } })),
    assignment: list(await p.assignment.findMany({ where, select: { id: true }, take: 50 })),
    webhook_endpoint: [endpoint.id],
    delivery: [],
    contact_rule: list(await p.contactRule.findMany({ where, select: { id: true }, take: 20 })),
    api_key: list(await p.apiKey.findMany({ where: { ...where, name: "fuzz victim" }, select: { id: true } })),
  };
};

const ops = operations(await (await openapi()).json());
const send = inProcessTarget(w.key);
const r = random(seed);
const statuses = new Map<number, number>();
const failures: string[] = [];
let pool = await ids();
const started = Date.now();
console.log(`Fuzzing ${ops.length} operations with ${total} requests (seed ${seed}, ${w.t.kind})…`);
async function one(i: number, checkData: boolean): Promise<void> {
  const op = ops[i % ops.length]!;
  const req = fuzzRequest(op, r, pool);
  const before = checkData ? await dataFingerprint(w.t) : null;
  let status: number;
  let text = "";
  try {
    const res = await send(req);
    status = res.status;
    text = res.text;
    if (status >= 400 && status !== 405 && res.contentType !== "application/problem+json") {
      failures.push(`not problem+json: ${req.method} ${req.path} → ${status}`);
    }
  } catch (error) {
    status = 599;
    text = String(error);
  }
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
  if (status >= 500)
    failures.push(`${req.method} ${req.path} ${req.body?.slice(0, 200)} → ${status} ${text.slice(0, 200)}`);
  if (before && status >= 400) {
    const after = await dataFingerprint(w.t);
    if (JSON.stringify(after) !== JSON.stringify(before))
      failures.push(`refused but changed data: ${req.method} ${req.path}`);
  }
}

// Batches of concurrent requests; every 50th request runs alone, its data checked before and after.
const concurrency = Math.max(1, Number(values.concurrency));
for (let i = 0; i < total; ) {
  if (i % 50 === 0) {
    await one(i++, true);
    continue;
  }
  const batch = Math.min(concurrency, total - i, 50 - (i % 50));
  await Promise.all(Array.from({ length: batch }, (_, k) => one(i + k, false)));
  i += batch;
  if (Math.floor(i / 2000) !== Math.floor((i - batch) / 2000)) {
    pool = await ids();
    process.stdout.write(`  ${i} requests, ${Math.round(i / ((Date.now() - started) / 1000))}/s\r`);
  }
}
const seconds = (Date.now() - started) / 1000;
console.log(`\n${total} requests in ${seconds.toFixed(0)} s (${Math.round(total / seconds)}/s); answers by status:`);
for (const [status, count] of [...statuses].sort((a, b) => a[0] - b[0])) {
  console.log(`  ${status}  ${String(count).padStart(7)}`);
}
// Every answer was also checked against the served OpenAPI document.
console.log(checkSummary());
for (const v of takeViolations()) failures.push(`not as documented: ${v.message}`);
const fivexx = [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
console.log(`5xx answers: ${fivexx}`);
for (const f of failures.slice(0, 20)) console.log(`  ${f}`);
await w.dispose();
process.exit(failures.length ? 1 : 0);
