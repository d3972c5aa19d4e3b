import type { Db } from "../db/client";
import { AppError } from "../errors";
import { seal } from "../secrets/seal";
import { sealedAt } from "../secrets/sealed-columns";
import type { PartFeedback } from "../tapbacks/feedback";
import { checkDestination, parseWebhookUrl, WebhookUrlError } from "../webhooks/ssrf";

/**
 * Forwarding feedback to Langfuse (SPEC §9, docs/webhooks.md "Langfuse scores"), after its own
 * public API definition (langfuse/langfuse, fern/apis/server/definition/score.yml): HTTP basic
 * auth (public key : secret key), `POST /api/public/scores` creating or — with an `id` it has
 * seen — overwriting a score, `DELETE /api/public/scores/{scoreId}`; 400/401/403/404/405 errors.
 */

export const SCORE_NAME = "imessage_tapback";

/** Fixed per message part, so a replacement overwrites the same score and a removal deletes it. */
export function scoreId(messageId: string, partIndex: number): string {
  return `tapdesk-${messageId}-${partIndex}`;
}

export interface ScoredPart {
  messageId: string;
  partIndex: number;
  conversationId: string;
  sequence: number;
  traceId: string;
}

/** The score Langfuse is to hold for a part: its body, or its deletion when no human reaction is live. */
export function scoreState(
  part: ScoredPart,
  feedback: PartFeedback | null,
): { operation: "upsert"; body: string } | { operation: "delete"; body: null } {
  if (!feedback) return { operation: "delete", body: null };
  return {
    operation: "upsert",
    body: JSON.stringify({
      id: scoreId(part.messageId, part.partIndex),
      traceId: part.traceId,
      name: SCORE_NAME,
      dataType: "CATEGORICAL",
      value: feedback.label,
      comment: feedback.kind === "custom" ? (feedback.customEmoji ?? "custom") : feedback.kind,
      metadata: {
        message_id: part.messageId,
        part_index: part.partIndex,
        conversation_id: part.conversationId,
        sequence: part.sequence,
      },
    }),
  };
}

/** Where a score state goes: the method and URL under the destination's base URL. */
export function scoreRequest(baseUrl: string, delivery: { operation: string; scoreId: string }) {
  const base = baseUrl.replace(/\/+$/, "");
  return delivery.operation === "delete"
    ? { method: "DELETE" as const, url: `${base}/api/public/scores/${encodeURIComponent(delivery.scoreId)}` }
    : { method: "POST" as const, url: `${base}/api/public/scores` };
}

/** Where a destination's secret key is sealed: bound to its table, column and agent. */
export const secretKeyAt = (agentId: string) => sealedAt("feedback_destination", "secret_key", agentId);

export function basicAuth(publicKey: string, secretKey: string): string {
  return `Basic ${Buffer.from(`${publicKey}:${secretKey}`, "utf8").toString("base64")}`;
}

export interface FeedbackDestinationInput {
  kind: "langfuse";
  url: string;
  public_key: string;
  secret_key: string;
}

export interface FeedbackDestinationObject {
  kind: "langfuse";
  url: string;
  public_key: string;
}

export function destinationObject(
  row: { kind: string; url: string; publicKey: string } | null,
): FeedbackDestinationObject | null {
  return row ? { kind: "langfuse", url: row.url, public_key: row.publicKey } : null;
}

/** Sets (or with null removes) an agent's destination; the URL passes the SSRF guard first. */
export async function setFeedbackDestination(
  db: Db,
  workspaceId: string,
  agentId: string,
  input: FeedbackDestinationInput | null,
): Promise<void> {
  if (!input) {
    await db.feedbackDestination.deleteMany({ where: { agentId, workspaceId } });
    return;
  }
  try {
    await checkDestination(parseWebhookUrl(input.url));
  } catch (error) {
    if (!(error instanceof WebhookUrlError)) throw error;
    throw new AppError("feedback_url_not_allowed", `The Langfuse URL is not allowed: ${error.message}`, [
      { field: "feedback.url", message: error.message },
    ]);
  }
  const secretKey = await seal(input.secret_key, secretKeyAt(agentId));
  await db.feedbackDestination.upsert({
    where: { agentId },
    create: { agentId, workspaceId, kind: input.kind, url: input.url, publicKey: input.public_key, secretKey },
    update: { kind: input.kind, url: input.url, publicKey: input.public_key, secretKey },
  });
}
