import { pageLimit, pageOf } from "../api/schemas";
import * as z from "../zod";

export const conversationSchema = z
  .object({
    id: z.uuid(),
    assignment_id: z.uuid(),
    agent_id: z.uuid(),
    remote_number: z.string().meta({ description: "The human's number (E.164)." }),
    status: z
      .enum(["active", "disconnected"])
      .meta({ description: "The assignment's status: a disconnected human must reconnect through the router." }),
    last_activity_at: z.iso.datetime(),
    created_at: z.iso.datetime(),
    taken_over: z
      .object({
        operator: z.object({ id: z.uuid(), email: z.string() }).strict(),
        at: z.iso.datetime(),
      })
      .strict()
      .nullable()
      .meta({
        description:
          "The operator who took the conversation over from its agent, and since when; the agent's sends answer 409 conversation_taken_over until it is handed back. Null while the agent has it.",
      }),
  })
  .strict();
export type ConversationObject = z.infer<typeof conversationSchema>;

export const conversationPageSchema = pageOf(conversationSchema, "Newest activity first.");
export type ConversationPage = z.infer<typeof conversationPageSchema>;

export const listConversationsQuery = z.object({
  cursor: z.string().max(200).optional().meta({ description: "The `next_cursor` of the previous page." }),
  limit: pageLimit,
});
