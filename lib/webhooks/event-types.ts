/** The webhook event types (docs/webhooks.md); a module of its own so browser code can import it. */
export const EVENT_TYPES = [
  "imessage.reaction_received",
  "reaction.added",
  "reaction.removed",
  "conversation.taken_over",
  "conversation.handed_back",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];
