import { createTapdeskClient, succeeded, type TapdeskClient } from "../../lib/api/client";

export { succeeded };

/**
 * The agent API through the typed client (lib/api/client), with a server's workspace-wide key:
 * the bench calls /api/v1 as an agent would, through the documented contract. The dashboard's
 * polls and /api/health are not part of it; the sections fetch those themselves.
 */
export function apiOf(target: { baseUrl: string; apiKey: string }): TapdeskClient {
  return createTapdeskClient({ baseUrl: target.baseUrl, key: target.apiKey });
}

/**
 * A sandbox conversation of ten messages, both directions (the human asks, the agent answers
 * in two parts), so that a thread view is of a realistic size; with the last message of each.
 */
export async function tenMessageThread(api: TapdeskClient, remote: string) {
  const created = await succeeded(api.POST("/sandbox/conversations", { body: { remote_number: remote } }));
  const conversation = { params: { path: { id: created.conversation_id } } };
  let humanMessage = "";
  let agentMessage = "";
  for (let i = 0; i < 5; i++) {
    const question = { parts: [{ text: `Question ${i + 1} from the human` }] };
    humanMessage = (
      await succeeded(api.POST("/sandbox/conversations/{id}/inbound", { ...conversation, body: question }))
    ).id;
    const answer = { parts: [{ text: `Answer ${i + 1}` }, { text: "with a second part" }] };
    agentMessage = (await succeeded(api.POST("/conversations/{id}/messages", { ...conversation, body: answer }))).id;
  }
  return { conversationId: created.conversation_id, humanMessage, agentMessage };
}

/** A sandbox conversation with `count` messages from the human, each a slot of its own for the agent. */
export async function humanMessages(api: TapdeskClient, remote: string, count: number): Promise<string[]> {
  const { conversation_id } = await succeeded(api.POST("/sandbox/conversations", { body: { remote_number: remote } }));
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const sent = await succeeded(
      api.POST("/sandbox/conversations/{id}/inbound", {
        params: { path: { id: conversation_id } },
        body: { parts: [{ text: `message ${i + 1}` }] },
      }),
    );
    ids.push(sent.id);
  }
  return ids;
}
