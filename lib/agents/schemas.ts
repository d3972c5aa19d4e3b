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

/** Linking a bridge: the URL and password of the BlueBubbles server; `sandbox` unlinks. */
export const bridgeInput = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("sandbox") }).strict(),
    z
      .object({
        kind: z.literal("bluebubbles"),
        url: z.string().trim().min(1).max(2048).meta({
          description: "The BlueBubbles server's address, as reachable from Tapdesk.",
          example: "https://mac.example.com",
        }),
        password: z
          .string()
          .min(1)
          .max(1024)
          .meta({ description: "The BlueBubbles server password. Write-only: never returned." }),
      })
      .strict(),
  ])
  .meta({
    description:
      "The agent's upstream. `bluebubbles` links a Mac running BlueBubbles (checked with its server info first; an unreachable server or a wrong password is 422 bridge_unreachable and nothing is saved); `sandbox` unlinks it.",
  });
export type BridgeInput = z.infer<typeof bridgeInput>;

/** Where the agent's feedback goes (SPEC §9): a Langfuse project; null removes it. */
export const feedbackInput = z
  .object({
    kind: z.literal("langfuse"),
    url: z.string().trim().min(1).max(2048).meta({
      description: "The Langfuse base URL (https://cloud.langfuse.com, or a self-hosted one).",
      example: "https://cloud.langfuse.com",
    }),
    public_key: z.string().trim().min(1).max(200).meta({ example: "pk-lf-…" }),
    secret_key: z
      .string()
      .min(1)
      .max(200)
      .meta({ description: "The project's secret key. Write-only: sealed at rest, never returned." }),
  })
  .strict()
  .nullable()
  .meta({
    description:
      "Forward the human's reactions on this agent's messages that carry a `trace_id` to Langfuse as scores (`imessage_tapback`, categorical: the label). null removes the destination.",
  });
export type FeedbackInput = z.infer<typeof feedbackInput>;

/** The handle is the sender of the agent's reactions and messages, so it cannot change. */
export const updateAgentBody = z
  .object({
    name: name.optional(),
    imessage_enabled: flags.imessage_enabled.optional(),
    custom_emoji_sends: flags.custom_emoji_sends.optional(),
    bridge: bridgeInput.optional(),
    feedback: feedbackInput.optional(),
  })
  .strict();
export type UpdateAgentBody = z.infer<typeof updateAgentBody>;

export const bridgeSchema = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("sandbox") }).strict(),
    z
      .object({
        kind: z.literal("bluebubbles"),
        url: z.string(),
        status: z.enum(["ok", "private_api_off", "helper_disconnected", "unreachable"]).meta({
          description:
            "What the bridge said last: ok; private_api_off or helper_disconnected (tapbacks cannot be sent until fixed on the Mac); unreachable.",
        }),
        inbound_url: z.string().meta({
          description:
            "Where the BlueBubbles server posts its webhooks (registered on it when linked). Keep it secret.",
        }),
        last_contact_at: z.iso.datetime().nullable(),
      })
      .strict(),
  ])
  .meta({ description: "The agent's upstream: the sandbox, or a BlueBubbles bridge." });

export const agentSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    handle: z.string(),
    imessage_enabled: z.boolean(),
    custom_emoji_sends: z.boolean(),
    bridge: bridgeSchema,
    feedback: z
      .object({ kind: z.literal("langfuse"), url: z.string(), public_key: z.string() })
      .strict()
      .nullable()
      .meta({ description: "Where the agent's feedback goes as Langfuse scores; the secret key is never returned." }),
    created_at: z.iso.datetime(),
  })
  .strict();
export type AgentObject = z.infer<typeof agentSchema>;

export const agentListSchema = z.object({ data: z.array(agentSchema) }).strict();
