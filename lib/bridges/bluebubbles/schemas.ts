import * as z from "../../zod";

/**
 * The shapes BlueBubbles puts on the wire, as its server serializes them. Every object is
 * loose: the server adds fields between versions (and drops some for webhook payloads), so
 * only what Tapdesk reads is checked and everything else passes through untouched.
 */

/** Every JSON answer: `{status, message, data?, error?: {type, message}, metadata?}`. */
export const bbEnvelope = z.looseObject({
  status: z.number().int(),
  message: z.string(),
  data: z.unknown().optional(),
  error: z.looseObject({ type: z.string(), message: z.string().nullish() }).optional(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
});
export type BbEnvelope = z.infer<typeof bbEnvelope>;

export const bbHandle = z.looseObject({
  address: z.string(),
  service: z.string().nullish(),
});

export const bbChat = z.looseObject({
  guid: z.string().min(1),
  chatIdentifier: z.string().nullish(),
  style: z.number().nullish(),
  displayName: z.string().nullish(),
});
export type BbChat = z.infer<typeof bbChat>;

export const bbAttachment = z.looseObject({
  guid: z.string().min(1),
  mimeType: z.string().nullish(),
  transferName: z.string().nullish(),
  width: z.number().nullish(),
  height: z.number().nullish(),
  isSticker: z.boolean().nullish(),
});
export type BbAttachment = z.infer<typeof bbAttachment>;

/**
 * One run of a message's attributed body (only present when asked for with
 * `with=attributedBody`): the run's character range and its attributes, among them the
 * message part it belongs to and, for an attachment, the attachment's guid.
 */
export const bbAttributedRun = z.looseObject({
  range: z
    .tuple([z.number().int().min(0), z.number().int().min(0)])
    .rest(z.unknown())
    .nullish(),
  attributes: z.record(z.string(), z.unknown()).nullish(),
});
export const bbAttributedBody = z.looseObject({
  string: z.string().nullish(),
  runs: z.array(bbAttributedRun).nullish(),
});

export const bbMessage = z.looseObject({
  guid: z.string().min(1),
  text: z.string().nullish(),
  handle: bbHandle.nullish(),
  isFromMe: z.boolean(),
  dateCreated: z.number().nullish(),
  /** The Mac's row id: breaks ties between changes of the same millisecond. */
  originalROWID: z.number().nullish(),
  itemType: z.number().nullish(),
  error: z.number().nullish(),
  associatedMessageGuid: z.string().nullish(),
  // The server maps the classic types and 1000 to names and leaves every other number as
  // its decimal string ("2006"); accept a bare number too, in case a version sends one.
  associatedMessageType: z.union([z.string(), z.number()]).nullish(),
  associatedMessageEmoji: z.string().nullish(),
  attachments: z.array(bbAttachment).nullish(),
  chats: z.array(bbChat).nullish(),
  attributedBody: z.array(bbAttributedBody).nullish(),
  partCount: z.number().nullish(),
  tempGuid: z.string().nullish(),
});
export type BbMessage = z.infer<typeof bbMessage>;

/** `GET /api/v1/server/info` data (snake_case on this route only). */
export const bbServerInfo = z.looseObject({
  private_api: z.boolean().nullish(),
  helper_connected: z.boolean().nullish(),
  server_version: z.string().nullish(),
  os_version: z.string().nullish(),
  detected_imessage: z.string().nullish(),
});

export const bbWebhook = z.looseObject({
  id: z.number().int(),
  url: z.string(),
  events: z.array(z.string()),
});
export type BbWebhook = z.infer<typeof bbWebhook>;

/** A webhook POST body: `{type, data}`; for message events `data` is a serialized message. */
export const bbWebhookBody = z.looseObject({
  type: z.string().min(1).max(100),
  data: z.unknown().optional(),
});
