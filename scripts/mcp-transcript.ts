// Plays the transcript of docs/mcp.md against a running Tapdesk with the sandbox as upstream:
// an agent, through /api/mcp and the official MCP client, reads a conversation, answers, reacts
// with a tapback and waits for the person, whose side the sandbox plays meanwhile.
//
//   npx tsx scripts/mcp-transcript.ts http://localhost:3000 <workspace-wide API key>
//
// It creates a sandbox conversation of its own; nothing else in the workspace changes.
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

const [base = "http://localhost:3000", key = process.env.TAPDESK_API_KEY ?? ""] = process.argv.slice(2);
if (!key) {
  console.error("usage: npx tsx scripts/mcp-transcript.ts <base url> <workspace-wide API key>");
  process.exit(2);
}

/** The person's side, through the sandbox's API. */
async function sandbox(path: string, body: unknown): Promise<{ id: string; conversation_id: string }> {
  const response = await fetch(new URL(`/api/v1/sandbox${path}`, base), {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

const client = new Client({ name: "transcript-agent", version: "1.0.0" });
await client.connect(
  new StreamableHTTPClientTransport(new URL("/api/mcp", base), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  }),
);

// biome-ignore lint/suspicious/noExplicitAny: the tools answer JSON.
async function tool(name: string, args: Record<string, unknown>, show?: (data: any) => unknown): Promise<any> {
  const shown = typeof args.cursor === "string" ? { ...args, cursor: "…" } : args;
  console.log(`\n→ ${name} ${JSON.stringify(shown)}`);
  const result = await client.callTool({ name, arguments: args });
  const text = (result.content as { text: string }[]).map((c) => c.text).join("\n");
  if (result.isError) {
    console.log(`← error: ${text}`);
    return undefined;
  }
  const data = JSON.parse(text);
  console.log(`← ${JSON.stringify(show ? show(data) : data, null, 2).replaceAll("\n", "\n  ")}`);
  return data;
}

const opened = await sandbox("/conversations", { remote_number: `+1555${String(Date.now()).slice(-7)}` });
const conversationId = opened.conversation_id;
await sandbox(`/conversations/${conversationId}/inbound`, { parts: [{ text: "Hi! Is my order #1042 on its way?" }] });
console.log(`(the person writes in conversation ${conversationId})`);

const { tools } = await client.listTools();
console.log(`\ntools: ${tools.map((t) => t.name).join(", ")}`);

await tool("list_conversations", { limit: 1 }, (page) => ({
  data: page.data.map((c: Record<string, unknown>) => ({ id: c.id, remote_number: c.remote_number })),
  next_cursor: page.next_cursor ? "…" : null,
}));
const thread = await tool("read_conversation", { conversation_id: conversationId }, (page) => ({
  data: page.data.map((m: Record<string, unknown>) => ({
    id: m.id,
    direction: m.direction,
    parts: (m.parts as { text?: string }[]).map((p) => ({ text: p.text })),
    reactions: m.reactions,
  })),
}));
const question = thread.data.at(-1);

await tool("send_tapback", { message_id: question.id, reaction: "like" }, (r) => ({
  id: r.id,
  reaction: r.reaction,
  target_message_id: r.target_message_id,
  sequence: r.sequence,
}));
const answer = await tool(
  "send_message",
  {
    conversation_id: conversationId,
    parts: [{ text: "Yes! It shipped this morning and arrives Thursday." }],
    idempotency_key: `answer-${question.id}`,
  },
  (m) => ({ id: m.id, direction: m.direction, status: m.status }),
);

await tool("send_tapback", { message_id: question.id, reaction: "thumbs_up" });

const start = await tool("wait_for_activity", { conversation_id: conversationId, timeout_s: 0 }, (a) => ({
  ...a,
  cursor: "…",
}));
// The person, a moment later: a heart on the answer, then a reply.
setTimeout(() => {
  void sandbox(`/messages/${answer.id}/reactions`, { operation: "add", type: "love" }).then(() =>
    setTimeout(
      () => void sandbox(`/conversations/${conversationId}/inbound`, { parts: [{ text: "Perfect, thanks!" }] }),
      1500,
    ),
  );
}, 2000);

const compact = (a: Record<string, unknown>) => ({
  messages: (a.messages as Record<string, unknown>[]).map((m) => ({
    id: m.id,
    direction: m.direction,
    parts: (m.parts as { text?: string }[]).map((p) => ({ text: p.text })),
  })),
  reaction_changes: (a.reaction_changes as Record<string, unknown>[]).map((c) => ({
    message_id: c.message_id,
    action: c.action,
    reaction: c.reaction,
    sender: c.sender,
  })),
  cursor: "…",
  timed_out: a.timed_out,
});
let cursor = start.cursor;
for (let round = 0; round < 2; round++) {
  const began = Date.now();
  const activity = await tool("wait_for_activity", { conversation_id: conversationId, timeout_s: 25, cursor }, compact);
  console.log(`  (answered after ${((Date.now() - began) / 1000).toFixed(1)} s)`);
  cursor = activity.cursor;
}
await client.close();
