import {
  exportQuery,
  feedbackMessagesQuery,
  feedbackPageSchema,
  summaryQuery,
  summarySchema,
} from "../../feedback/schemas";
import * as feedback from "../../feedback/service";
import { json } from "../http";
import { defineOperation } from "../operation";

/**
 * SPEC §9: a person's tapbacks on the agent's messages as numbers, a review queue and an
 * export for evaluations. An agent key reads its own agent (and is refused any other); a
 * workspace key names the agent.
 */

export const feedbackSummary = defineOperation({
  method: "get",
  path: "/feedback/summary",
  tag: "Feedback",
  summary: "Feedback summary: the agent's parts, human reactions by kind and label, and rates",
  description:
    "Totals and per-day (or per-week) buckets of the agent's message parts sent in the period and the live human reactions on them: counts by kind and by label (positive: love, like, laugh, emphasize; negative: dislike; confused: question; other: custom emoji and stickers) and the rates as fractions of the parts sent. Read from counters kept up to date with every change, so it answers in milliseconds at any volume.",
  query: summaryQuery,
  replies: { 200: { description: "The summary.", schema: summarySchema } },
  errors: ["agent_not_found"],
  handle: async ({ db, caller, query }) => json(await feedback.feedbackSummary(db, caller, query())),
});

export const listFeedbackMessages = defineOperation({
  method: "get",
  path: "/feedback/messages",
  tag: "Feedback",
  summary: "The review queue: the agent's message parts with a live human reaction",
  description:
    "Newest first, cursor-paginated, optionally one label (`negative` for the thumbs-down, `confused` for the question marks). Each item is an export line without its context; `changes` counts the human's changes on the part.",
  query: feedbackMessagesQuery,
  replies: { 200: { description: "One page.", schema: feedbackPageSchema } },
  errors: ["agent_not_found"],
  handle: async ({ db, caller, query }) => json(await feedback.listFeedbackMessages(db, caller, query())),
});

export const exportFeedback = defineOperation({
  method: "get",
  path: "/feedback/export",
  tag: "Feedback",
  summary: "Export the agent's feedback as NDJSON",
  description:
    "One JSON line per agent message part with a live human reaction: `{message_id, part_index, conversation_id, agent_id, trace_id, metadata, sent_at, text, context: [{direction, text, at}] (up to 10 messages before it), reaction: {kind, custom_emoji, sticker, at}, changes, label}`. Oldest first in a stable order (sent_at, message_id, part_index), streamed as it is read; resume an interrupted export with `after=<message_id>:<part_index>` of the last line received.",
  query: exportQuery,
  replies: { 200: { description: "The lines, streamed.", file: true, mediaType: "application/x-ndjson" } },
  errors: ["agent_not_found"],
  handle: async ({ db, caller, query }) => {
    const body = await feedback.exportFeedback(db, caller, query());
    return new Response(body, {
      headers: {
        "content-type": "application/x-ndjson; charset=utf-8",
        "content-disposition": 'attachment; filename="feedback.ndjson"',
        "cache-control": "no-store",
      },
    });
  },
});
