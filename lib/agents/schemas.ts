import { E164 } from "../phone";
import * as z from "../zod";

const EMAIL = z.email();

const name = z.string().trim().min(1, "A name is required.").max(100).meta({ example: "Ava" });
const flags = {
  imessage_enabled: z
    .boolean()
    .meta({ description: "Whether the agent's identity may send over iMessage. Default true." }),
  custom_emoji_sends: z.boolean().meta({
    description:
      "Whether the agent may send custom emoji tapbacks (older Apple devices show them as text). Default false.",
  }),
};

export const createAgentBody = z
  .object({
    name,
    handle: z
      .string()
      .refine((v) => E164.test(v) || EMAIL.safeParse(v).success, "Must be an E.164 number or an email address.")
      .meta({
        description: "The agent's sending identity: an E.164 number or an email address.",
        example: "+14155550100",
      }),
    imessage_enabled: flags.imessage_enabled.optional(),
    custom_emoji_sends: flags.custom_emoji_sends.optional(),
  })
  .strict();
export type CreateAgentBody = z.infer<typeof createAgentBody>;

/** The handle is the sender of the agent's reactions and messages, so it cannot change. */
export const updateAgentBody = z
  .object({
    name: name.optional(),
    imessage_enabled: flags.imessage_enabled.optional(),
    custom_emoji_sends: flags.custom_emoji_sends.optional(),
  })
  .strict();
export type UpdateAgentBody = z.infer<typeof updateAgentBody>;

export const agentSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    handle: z.string(),
    imessage_enabled: z.boolean(),
    custom_emoji_sends: z.boolean(),
    created_at: z.iso.datetime(),
  })
  .strict();
export type AgentObject = z.infer<typeof agentSchema>;

export const agentListSchema = z.object({ data: z.array(agentSchema) }).strict();
