"use server";

import { operatorAction } from "@/lib/actions";
import { messageDetails } from "@/lib/audit/details";
import { handBack, takeOver } from "@/lib/conversations/takeover";
import { replyInput } from "@/lib/messages/schemas";
import { sendMessage } from "@/lib/messages/service";
import {
  humanReact,
  humanReactionBody,
  humanSend,
  setAssignmentStatus,
  setUpstreamMode,
  upstreamModeBody,
} from "@/lib/sandbox";
import { tapbackActionInput } from "@/lib/tapbacks/schemas";
import { react } from "@/lib/tapbacks/service";
import * as z from "@/lib/zod";

/** The operator tapbacks as the conversation's agent, through the one tapback service. */
export const sendTapback = operatorAction(tapbackActionInput, async ({ operator, db }, input) => {
  const result = await react(db, {
    scope: operator.scope,
    actor: { type: "operator", id: operator.id },
    side: "agent",
    messageId: input.messageId,
    partIndex: input.partIndex,
    request: { operation: input.operation, kind: input.kind },
  });
  return { outcome: result.outcome };
});

/** The operator replies as the conversation's agent: the same service and upstream as the API's send. */
export const sendReply = operatorAction(replyInput, async ({ operator, db }, input) => {
  const message = await sendMessage(db, operator.scope, input.conversationId, [{ text: input.text }], {
    type: "operator",
    id: operator.id,
  });
  return { id: message.id };
});

/** "Take over": the agent's own sends to this conversation are refused until it is handed back. */
export const takeOverAction = operatorAction(
  z.object({ conversationId: z.uuid() }),
  async ({ operator, db }, input) => {
    const result = await takeOver(db, operator.scope, operator, input.conversationId);
    return { changed: result.changed };
  },
);

/** "Hand back": the agent may send again. */
export const handBackAction = operatorAction(
  z.object({ conversationId: z.uuid() }),
  async ({ operator, db }, input) => {
    const result = await handBack(db, operator.scope, operator, input.conversationId);
    return { changed: result.changed };
  },
);

/** The "Message details" panel: live reactions, who placed them, and each slot's audit trail. */
export const loadMessageDetails = operatorAction(z.object({ messageId: z.uuid() }), async ({ operator, db }, input) =>
  messageDetails(db, operator.scope, input.messageId),
);

// The sandbox panel plays the human with the same functions as the sandbox HTTP controls.

export const sandboxSendInbound = operatorAction(
  z.object({ conversationId: z.uuid(), texts: z.array(z.string().trim().min(1).max(10_000)).min(1).max(20) }),
  async ({ operator, db }, input) => {
    const message = await humanSend(
      db,
      operator.scope,
      input.conversationId,
      input.texts.map((text) => ({ text })),
    );
    return { id: message.id };
  },
);

export const sandboxReact = operatorAction(
  z.object({ messageId: z.uuid(), body: humanReactionBody }),
  async ({ operator, db }, input) => {
    const result = await humanReact(db, operator.scope, input.messageId, input.body);
    return { outcome: result.outcome };
  },
);

export const sandboxSetAssignment = operatorAction(
  z.object({ assignmentId: z.uuid(), status: z.enum(["active", "disconnected"]) }),
  async ({ operator, db }, input) => setAssignmentStatus(db, operator.scope, input.assignmentId, input.status),
);

export const sandboxSetUpstream = operatorAction(upstreamModeBody, async ({ operator, db }, input) =>
  setUpstreamMode(db, operator.scope, input),
);
