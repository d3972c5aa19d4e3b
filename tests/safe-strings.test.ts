import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSafeText, UNSAFE_TEXT_MESSAGE } from "@/lib/zod";
import { type Problem, textOf } from "./helpers/answers";
import { type ApiWorld, apiWorld } from "./helpers/api";
import { BACKENDS } from "./helpers/db";

const NUL = "a\u0000b";
const LONE_HIGH = "x\ud800";
const LONE_LOW = "\udc00y";

describe("safe text", () => {
  it("refuses NUL and lone surrogates, accepts every well-formed string", () => {
    for (const bad of [NUL, "\u0000", LONE_HIGH, LONE_LOW, "\udbff\ud800", "😀".slice(0, 1)]) {
      expect(isSafeText(bad), JSON.stringify(bad)).toBe(false);
    }
    for (const good of ["", "plain", "😀👍🏽🏳️‍🌈", "e\u0301", "\u0001\u001f\u007f", "\uffff", "𝄞"]) {
      expect(isSafeText(good), JSON.stringify(good)).toBe(true);
    }
  });

  it("is the string every schema uses: nothing outside lib/zod.ts imports zod's own at run time", () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const file = path.join(dir, name);
        if (name === "generated" || name === "node_modules") continue;
        if (statSync(file).isDirectory()) walk(file);
        else if (/\.tsx?$/.test(name) && file !== path.join("lib", "zod.ts")) {
          // Type-only imports carry no schema.
          if (/^import (?!type )[^;]*from "zod(\/[^"]*)?";/m.test(readFileSync(file, "utf8"))) offenders.push(file);
        }
      }
    };
    for (const root of ["app", "components", "lib"]) walk(root);
    expect(offenders).toEqual([]);
  });
});

describe.each(BACKENDS)("NUL and lone surrogates in string fields answer 422 naming the field on %s", (backend) => {
  let w: ApiWorld;
  let conversationId: string;
  let messageId: string;
  beforeAll(async () => {
    w = await apiWorld(backend);
    conversationId = (await w.newConversation("ava")).conversationId;
    const m = await w.api.POST("/sandbox/conversations/{id}/inbound", {
      params: { path: { id: conversationId } },
      body: { parts: [{ text: "hello" }] },
    });
    messageId = m.data!.id;
  });
  afterAll(() => w?.dispose());

  it.each([
    ["POST /api-keys", () => w.api.POST("/api-keys", { body: { name: NUL } }), "name"],
    [
      "PATCH /agents/{id}",
      () => w.api.PATCH("/agents/{id}", { params: { path: { id: w.ava.id } }, body: { name: NUL } }),
      "name",
    ],
    [
      "POST /conversations/{id}/messages",
      () =>
        w.api.POST("/conversations/{id}/messages", {
          params: { path: { id: conversationId } },
          body: { parts: [{ text: "fine" }, { text: LONE_HIGH }] },
        }),
      "parts.1.text",
    ],
    [
      "POST /sandbox/conversations/{id}/inbound",
      () =>
        w.api.POST("/sandbox/conversations/{id}/inbound", {
          params: { path: { id: conversationId } },
          body: {
            parts: [{ attachment: { url: "https://x.test/a.png", mime_type: "image/png", file_name: LONE_LOW } }],
          },
        }),
      "parts.0.attachment.file_name",
    ],
    [
      "POST /messages/{id}/reactions",
      () =>
        w.api.POST("/messages/{id}/reactions", {
          params: { path: { id: messageId } },
          body: { operation: "add", type: "custom", custom_emoji: "\u0000" },
        }),
      "custom_emoji",
    ],
    [
      "POST /sandbox/messages/{id}/reactions",
      () =>
        w.api.POST("/sandbox/messages/{id}/reactions", {
          params: { path: { id: messageId } },
          body: { operation: "add", type: "custom", custom_emoji: "\ud83d" },
        }),
      "custom_emoji",
    ],
    [
      "POST /webhook-endpoints",
      () =>
        w.api.POST("/webhook-endpoints", {
          body: { url: "https://hooks.test/x", events: ["reaction.added"], description: NUL },
        }),
      "description",
    ],
    ["POST /contact-rules", () => w.api.POST("/contact-rules", { body: { pattern: "+1415\u0000*" } }), "pattern"],
  ] as const)("%s", async (_, request: () => Promise<{ response: Response; error?: Problem }>, field) => {
    const [keys, agents, messages] = await Promise.all([
      w.t.prisma.apiKey.count(),
      w.t.prisma.agent.findMany({ orderBy: { id: "asc" } }),
      w.t.prisma.message.count(),
    ]);
    const res = await request();
    expect(res.response.status, textOf(res)).toBe(422);
    expect(res.error!.code).toBe("validation_failed");
    expect(res.error!.errors).toContainEqual({ field, message: UNSAFE_TEXT_MESSAGE });
    expect(await w.t.prisma.apiKey.count()).toBe(keys);
    expect(await w.t.prisma.agent.findMany({ orderBy: { id: "asc" } })).toEqual(agents);
    expect(await w.t.prisma.message.count()).toBe(messages);
  });

  it("a refusal never echoes the unsafe text back: every string of the problem is well formed", async () => {
    const strings = (value: unknown): string[] =>
      typeof value === "string"
        ? [value]
        : value && typeof value === "object"
          ? Object.values(value).flatMap(strings)
          : [];
    for (const reaction of ["x\udfff", "\ud800", "love\u0000"]) {
      const res = await w.raw("POST", "/reactions", { body: { message_id: messageId, reaction } });
      expect(res.response.status).toBe(422);
      for (const text of strings(JSON.parse(res.text))) expect(isSafeText(text), JSON.stringify(text)).toBe(true);
    }
  });
});
