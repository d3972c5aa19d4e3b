import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { signIn } from "@/lib/auth/session";
import { addOperator } from "@/lib/operators/service";
import { type ApiWorld, extraKey, type RawAnswer, rawCaller } from "./helpers/api";
import { type BridgedWorld, bridgedWorld } from "./helpers/bridged-world";
import { BACKENDS } from "./helpers/db";
import type { FakeBlueBubbles } from "./helpers/fake-bluebubbles";
import { createWorkspaceThroughServer } from "./helpers/tenants";

/**
 * Who may fetch a bridge attachment (lib/bridges/bluebubbles/attachments.ts): a real sticker,
 * recorded from a bridged agent's human, asked for by every caller that must not see it —
 * another workspace's key and operator (with the attachment's URL planted in their own
 * workspace, so only the bridge's own workspace check stands between them and the file),
 * another agent's key, and a guid never recorded — next to callers that may.
 */
const jar = vi.hoisted(() => new Map<string, string>());
vi.mock("next/headers", () => ({
  cookies: async () => ({
    get: (name: string) => (jar.has(name) ? { name, value: jar.get(name)! } : undefined),
    set: (nameOrOptions: string | { name: string; value: string }, value?: string) => {
      if (typeof nameOrOptions === "string") jar.set(nameOrOptions, value ?? "");
      else jar.set(nameOrOptions.name, nameOrOptions.value);
    },
    delete: (name: string) => jar.delete(name),
  }),
}));

const PASSWORD = "bb-secret-password-iso";

describe.each(BACKENDS)("bridge attachments across workspaces, agents and operators on %s", (backend) => {
  let w: ApiWorld;
  let bb: FakeBlueBubbles;
  let world: BridgedWorld;
  let agentId: string;
  let guid: string;
  let stickerUrl: string;
  const keys: Record<"ava" | "rex" | "otherWorkspace", string> = { ava: "", rex: "", otherWorkspace: "" };
  const sessions: Record<"memberA" | "memberB", Map<string, string>> = { memberA: new Map(), memberB: new Map() };
  const raw = rawCaller(() => null);
  const downloads = () => bb.calls.filter((c) => c.path.startsWith("/api/v1/attachment/")).length;
  const fetchAs = (who: { key: string } | { session: Map<string, string> }, agent = agentId, file = guid) => {
    jar.clear();
    if ("session" in who) for (const [k, v] of who.session) jar.set(k, v);
    return raw("GET", `/agents/${agent}/bridge/attachments/${encodeURIComponent(file)}`, {
      key: "key" in who ? who.key : null,
    });
  };
  const withoutInstance = (a: RawAnswer) => ({ status: a.response.status, ...a.error, instance: undefined });

  beforeAll(async () => {
    world = await bridgedWorld(backend, { password: PASSWORD, dataDir: "/tmp/tapdesk-attachment-iso", link: true });
    ({ w, bb } = world);
    // The human writes to Ava and puts a sticker on the message: a recorded bridge attachment.
    const sent = await bb.human.send({ from: "+14155550177", parts: [{ text: "look" }] });
    await bb.human.react({ target: sent.guid, type: 1000, image: { width: 120, height: 90 } });
    await bb.settled();
    const stickers = await w.t.prisma.reactionChange.findMany({ where: { kind: "sticker" } });
    const urls = stickers.map((c) => (c.sticker as { url: string }).url).filter((u) => u.includes("/bridge/"));
    expect(urls).toHaveLength(1);
    stickerUrl = urls[0]!;
    const parts = new URL(stickerUrl).pathname.split("/");
    agentId = parts[4]!;
    guid = decodeURIComponent(parts[7]!);
    expect(agentId).toBe(w.ava.id);

    keys.ava = await extraKey(w, w.ava.id, "ava only");
    keys.rex = await extraKey(w, w.rex.id, "rex only");
    await addOperator(w.t.prisma, w.scope, { email: "member-a@example.com", role: "member" }).then(async (m) => {
      jar.clear();
      expect(await signIn(m.email, m.password)).toBe(true);
      sessions.memberA = new Map(jar);
    });

    // Another workspace, whose agent sends a message carrying the sticker's URL: the URL is
    // then recorded in that workspace too, and only the bridge's workspace decides.
    const other = await createWorkspaceThroughServer(w.t, { name: "Other", owner: "owner-b@example.com" });
    keys.otherWorkspace = other.api_key;
    const otherWorkspaceId = other.workspace.id;
    const asB = rawCaller(() => other.api_key);
    const agent = await asB("POST", "/agents", { body: { name: "Bea", handle: "+14155550999" } });
    expect(agent.response.status).toBe(201);
    const conversation = await asB("POST", "/sandbox/conversations", {
      body: { remote_number: "+14155550188", agent_id: agent.data.id },
    });
    expect(conversation.response.status).toBe(201);
    const planted = await asB("POST", `/conversations/${conversation.data.conversation_id}/messages`, {
      body: { parts: [{ attachment: { url: stickerUrl, mime_type: "image/png", file_name: "s.png" } }] },
    });
    expect(planted.response.status).toBe(201);
    expect(
      await w.t.prisma.messagePart.count({ where: { attachmentUrl: stickerUrl, workspaceId: otherWorkspaceId } }),
    ).toBe(1);
    const memberB = await addOperator(
      w.t.prisma,
      { workspaceId: otherWorkspaceId },
      { email: "member-b@example.com", role: "member" },
    );
    jar.clear();
    expect(await signIn(memberB.email, memberB.password)).toBe(true);
    sessions.memberB = new Map(jar);
  });
  afterAll(async () => {
    jar.clear();
    await world?.dispose();
  });

  it("serves the file to the workspace's key, the agent's own key and a member of the workspace", async () => {
    for (const who of [{ key: w.key }, { key: keys.ava }, { session: sessions.memberA }]) {
      const file = await fetchAs(who);
      expect(file.response.status).toBe(200);
      expect(file.response.headers.get("content-type")).toMatch(/^image\//);
      expect(file.bytes.byteLength).toBeGreaterThan(0);
    }
  });

  it("answers every outsider exactly like an attachment that does not exist, without asking the bridge", async () => {
    const before = downloads();
    const nothing = withoutInstance(await fetchAs({ key: w.key }, randomUUID()));
    expect(nothing.status).toBe(404);
    const refusals = {
      "another agent's key": await fetchAs({ key: keys.rex }),
      "another workspace's key": await fetchAs({ key: keys.otherWorkspace }),
      "another workspace's member": await fetchAs({ session: sessions.memberB }),
    };
    for (const [who, answer] of Object.entries(refusals)) {
      expect(answer.response.status, who).toBe(404);
      expect(answer.error.code, who).toBe("not_found");
    }
    // A guid the workspace never recorded is not fetched either, even for its own key.
    const unrecorded = await fetchAs({ key: w.key }, agentId, "at_0_NEVER-RECORDED");
    expect(unrecorded.response.status).toBe(404);
    expect(downloads()).toBe(before);
  });
});
