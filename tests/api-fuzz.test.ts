import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as messageReactions from "@/app/api/v1/messages/[id]/reactions/route";
import * as reactions from "@/app/api/v1/reactions/route";
import * as inbound from "@/app/api/v1/sandbox/conversations/[id]/inbound/route";
import { problemSchema } from "@/lib/api/schemas";
import { KINDS } from "@/lib/tapbacks/kinds";
import { reactionSchema, removedSchema } from "@/lib/tapbacks/schemas";
import { type ApiResponse, type ApiWorld, apiWorld } from "./helpers/api";
import { BACKENDS } from "./helpers/db";

/**
 * Random bodies at both reaction endpoints: whatever arrives, the answer is a 2xx with a
 * valid object or a 4xx problem, never a 5xx; and a rejected request changes nothing.
 */
describe.each(BACKENDS)("bad input never breaks the reaction endpoints on %s", (backend) => {
  let w: ApiWorld;
  let targets: string[];

  beforeAll(async () => {
    w = await apiWorld(backend);
    targets = [];
    for (const agent of ["ava", "rex"] as const) {
      const c = await w.newConversation(agent);
      const m = await w.call(inbound.POST, "POST", `/sandbox/conversations/${c.conversationId}/inbound`, {
        params: { id: c.conversationId },
        body: { parts: [{ text: "one" }, { text: "two" }] },
      });
      targets.push(m.json.id);
    }
  });
  afterAll(() => w?.dispose());

  const anyId = () =>
    fc.oneof(
      fc.constantFrom(...targets),
      fc.uuid(),
      fc.string({ maxLength: 40 }),
      fc.constantFrom("", "null", "00000000-0000-0000-0000-000000000000", "../etc/passwd", "' OR 1=1 --"),
    );
  const anyValue = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom(1e308, -0, 2 ** 53, -1, 0.5, "1", "", null, true, [], {}),
  );
  const kind = fc.oneof(fc.constantFrom(...KINDS), fc.constantFrom("LOVE", "heart", "", " love"), anyValue);
  const emoji = fc.oneof(
    fc.constantFrom("😀", "👍🏽", "🏳️‍🌈", "1️⃣", "😀😀", "a", "", "🇺🇸🇬🇧", "e\u0301"),
    fc.string({ maxLength: 8 }),
    anyValue,
  );
  const partIndex = fc.oneof(fc.integer({ min: -2, max: 3 }), fc.double(), fc.constantFrom(1e20, "0", null), anyValue);

  // Built when a test runs: the target ids exist only after beforeAll.
  const sendBody = () =>
    fc.record(
      { message_id: anyId(), reaction: kind, custom_emoji: emoji, part_index: partIndex, extra: anyValue },
      { requiredKeys: [] },
    );
  const operationBody = () =>
    fc.record(
      {
        operation: fc.oneof(fc.constantFrom("add", "remove", "ADD", "toggle"), anyValue),
        type: kind,
        custom_emoji: emoji,
        part_index: partIndex,
        sticker: anyValue,
      },
      { requiredKeys: [] },
    );
  const raw = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? "null"),
  );

  const state = async () => {
    const [changes, live] = await Promise.all([
      w.t.prisma.reactionChange.count({ where: { workspaceId: w.scope.workspaceId } }),
      w.t.prisma.reaction.findMany({
        where: { workspaceId: w.scope.workspaceId },
        select: { id: true, kind: true, customEmoji: true, sequence: true },
        orderBy: { id: "asc" },
      }),
    ]);
    return { changes, live };
  };

  async function check(res: ApiResponse, before: Awaited<ReturnType<typeof state>>) {
    expect(res.status, res.text).toBeLessThan(500);
    if (res.status >= 400) {
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      problemSchema.parse(res.json);
      expect(await state()).toEqual(before);
    } else if (res.json && "removed" in res.json) {
      removedSchema.parse(res.json);
    } else {
      reactionSchema.parse(res.json);
    }
  }

  it("POST /reactions", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          sendBody().map((b) => JSON.stringify(b)),
          raw,
        ),
        async (body) => {
          const before = await state();
          await check(await w.call(reactions.POST, "POST", "/reactions", { raw: body }), before);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("POST /messages/{id}/reactions", async () => {
    await fc.assert(
      fc.asyncProperty(
        anyId(),
        fc.oneof(
          operationBody().map((b) => JSON.stringify(b)),
          raw,
        ),
        async (id, body) => {
          const before = await state();
          const res = await w.call(messageReactions.POST, "POST", `/messages/${encodeURIComponent(id)}/reactions`, {
            params: { id },
            raw: body,
          });
          await check(res, before);
        },
      ),
      { numRuns: 150 },
    );
  });
});
