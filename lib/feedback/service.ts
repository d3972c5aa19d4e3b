import type { Db } from "../db/client";
import { AppError } from "../errors";
import { Prisma } from "../generated/prisma/client";
import { isUuid } from "../ids";
import type { Scope } from "../scope";
import { COUNTERS, LABELS, type Label, rate } from "../tapbacks/feedback";
import { KINDS, type Kind, type StickerInfo } from "../tapbacks/kinds";
import type { ExportLine, FeedbackItem, FeedbackPage, Summary, Totals } from "./schemas";

/**
 * The feedback reads of SPEC §9: the summary (from the daily counters, never from the parts),
 * the review queue and the export (from the read model, in keyset pages). Every read is of one
 * agent: an agent key's own; a workspace key names it.
 */

const DAY_MS = 86_400_000;
const MAX_DAYS = 3_660;

export interface PeriodInput {
  agent_id?: string;
  from?: string;
  to?: string;
}

export interface Period {
  agentId: string;
  /** A UTC midnight, included. */
  from: Date;
  /** A UTC midnight, excluded. */
  to: Date;
}

const startOfDay = (t: number) => Math.floor(t / DAY_MS) * DAY_MS;

/** The agent and the whole UTC days a request covers (schemas.ts says how `from` and `to` read). */
export async function resolvePeriod(db: Db, scope: Scope, input: PeriodInput, now = new Date()): Promise<Period> {
  let agentId = input.agent_id?.toLowerCase();
  if (scope.agentId) {
    // What a key cannot see does not exist: another agent is not found.
    if (agentId && agentId !== scope.agentId) throw new AppError("agent_not_found");
    agentId = scope.agentId;
  }
  if (!agentId) {
    throw new AppError("validation_failed", "Name the agent: a workspace-wide key must give agent_id.", [
      { field: "agent_id", message: "Required with a workspace-wide key." },
    ]);
  }
  const agent = await db.agent.findFirst({
    where: { id: agentId, workspaceId: scope.workspaceId },
    select: { id: true },
  });
  if (!agent) throw new AppError("agent_not_found");
  const toMs = input.to ? Date.parse(input.to) : now.getTime();
  const to = startOfDay(toMs) === toMs && input.to && input.to.length > 10 ? toMs : startOfDay(toMs) + DAY_MS;
  const from = input.from ? startOfDay(Date.parse(input.from)) : to - 30 * DAY_MS;
  if (from >= to) {
    throw new AppError("validation_failed", "The period is empty: `from` must come before `to`.", [
      { field: "from", message: "Must be before `to`." },
    ]);
  }
  if ((to - from) / DAY_MS > MAX_DAYS) {
    throw new AppError("validation_failed", `A period covers at most ${MAX_DAYS} days.`, [
      { field: "from", message: `At most ${MAX_DAYS} days before \`to\`.` },
    ]);
  }
  return { agentId, from: new Date(from), to: new Date(to) };
}

type CounterRow = Record<(typeof COUNTERS)[number] | "parts", number>;

function emptyCounts(): CounterRow {
  return Object.fromEntries(["parts", ...COUNTERS].map((c) => [c, 0])) as CounterRow;
}

function totalsOf(c: CounterRow): Totals {
  return {
    parts: c.parts,
    reacted: c.reacted,
    kinds: Object.fromEntries(KINDS.map((k) => [k, c[k]])) as Totals["kinds"],
    labels: Object.fromEntries(LABELS.map((l) => [l, c[l]])) as Totals["labels"],
    reaction_rate: rate(c.reacted, c.parts),
    positive_rate: rate(c.positive, c.parts),
    negative_rate: rate(c.negative, c.parts),
    confused_rate: rate(c.confused, c.parts),
  };
}

/** The Monday (UTC) of a day's ISO week. */
function weekStart(dayMs: number): number {
  const weekday = (new Date(dayMs).getUTCDay() + 6) % 7;
  return dayMs - weekday * DAY_MS;
}

/** GET /feedback/summary: at most one counter row per day of the period is read. */
export async function feedbackSummary(
  db: Db,
  scope: Scope,
  input: PeriodInput & { bucket?: "day" | "week" },
): Promise<Summary> {
  const period = await resolvePeriod(db, scope, input);
  const bucket = input.bucket ?? "day";
  const columns = Prisma.raw(["parts", ...COUNTERS].map((c) => `"${c}"`).join(", "));
  const rows = await db.$queryRaw<(CounterRow & { day: string })[]>`
    SELECT to_char(day, 'YYYY-MM-DD') AS day, ${columns}
      FROM feedback_daily
     WHERE agent_id = ${period.agentId}::uuid
       AND day >= ${period.from.toISOString().slice(0, 10)}::date AND day < ${period.to.toISOString().slice(0, 10)}::date`;
  const buckets = new Map<number, CounterRow>();
  const keyOf = (dayMs: number) => (bucket === "day" ? dayMs : Math.max(weekStart(dayMs), period.from.getTime()));
  for (let d = period.from.getTime(); d < period.to.getTime(); d += DAY_MS) {
    if (!buckets.has(keyOf(d))) buckets.set(keyOf(d), emptyCounts());
  }
  const total = emptyCounts();
  for (const row of rows) {
    const counts = buckets.get(keyOf(Date.parse(`${row.day}T00:00:00Z`)))!;
    for (const c of ["parts", ...COUNTERS] as const) {
      counts[c] += Number(row[c]);
      total[c] += Number(row[c]);
    }
  }
  return {
    agent_id: period.agentId,
    from: period.from.toISOString(),
    to: period.to.toISOString(),
    bucket,
    totals: totalsOf(total),
    buckets: [...buckets.entries()].map(([start, counts]) => ({
      start: new Date(start).toISOString(),
      ...totalsOf(counts),
    })),
  };
}

interface ItemRow {
  message_id: string;
  part_index: number;
  conversation_id: string;
  agent_id: string;
  trace_id: string | null;
  metadata: Record<string, unknown> | null;
  sent_at: Date;
  text: string | null;
  kind: Kind;
  custom_emoji: string | null;
  sticker: StickerInfo | null;
  reacted_at: Date;
  changes: number;
  label: Label;
}

function itemOf(row: ItemRow): FeedbackItem {
  return {
    message_id: row.message_id,
    part_index: row.part_index,
    conversation_id: row.conversation_id,
    agent_id: row.agent_id,
    trace_id: row.trace_id,
    metadata: row.metadata,
    sent_at: row.sent_at.toISOString(),
    text: row.text,
    reaction: {
      kind: row.kind,
      custom_emoji: row.custom_emoji,
      sticker: row.sticker,
      at: row.reacted_at.toISOString(),
    },
    changes: row.changes,
    label: row.label,
  };
}

interface Position {
  sentAt: Date;
  messageId: string;
  partIndex: number;
}

/**
 * One keyset page of labelled parts: `order` asc (the export) or desc (the review queue),
 * strictly after `position` in that order.
 */
function readPage(
  db: Db,
  period: Period,
  options: { labels: Label[] | null; order: "asc" | "desc"; position: Position | null; limit: number },
): Promise<ItemRow[]> {
  const { position } = options;
  const labels = options.labels ?? [...LABELS];
  const after = position
    ? options.order === "asc"
      ? Prisma.sql`AND (f.sent_at, f.message_id, f.part_index) > (${position.sentAt.toISOString()}::timestamptz AT TIME ZONE 'UTC', ${position.messageId}::uuid, ${position.partIndex}::int)`
      : Prisma.sql`AND (f.sent_at, f.message_id, f.part_index) < (${position.sentAt.toISOString()}::timestamptz AT TIME ZONE 'UTC', ${position.messageId}::uuid, ${position.partIndex}::int)`
    : Prisma.empty;
  const direction = Prisma.raw(options.order === "asc" ? "ASC" : "DESC");
  return db.$queryRaw<ItemRow[]>`
    SELECT f.message_id::text AS message_id, f.part_index, f.conversation_id::text AS conversation_id,
           f.agent_id::text AS agent_id, m.trace_id, m.metadata, f.sent_at, p.text,
           f.kind::text AS kind, f.custom_emoji, f.sticker, f.reacted_at, f.changes, f.label
      FROM feedback_part f
      JOIN message m ON m.id = f.message_id
      LEFT JOIN message_part p ON p.message_id = f.message_id AND p.index = f.part_index
     WHERE f.agent_id = ${period.agentId}::uuid
       AND f.label = ANY(${labels}::text[])
       AND f.sent_at >= ${period.from.toISOString()}::timestamptz AT TIME ZONE 'UTC'
       AND f.sent_at < ${period.to.toISOString()}::timestamptz AT TIME ZONE 'UTC'
       ${after}
     ORDER BY f.sent_at ${direction}, f.message_id ${direction}, f.part_index ${direction}
     LIMIT ${options.limit}::int`;
}

function encodeCursor(p: Position): string {
  return Buffer.from(`${p.sentAt.toISOString()}|${p.messageId}|${p.partIndex}`).toString("base64url");
}

function decodeCursor(cursor: string): Position {
  const [at, messageId, index] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const sentAt = new Date(at ?? "");
  const partIndex = Number(index);
  if (Number.isNaN(sentAt.getTime()) || !isUuid(messageId ?? "") || !Number.isInteger(partIndex)) {
    throw new AppError("validation_failed", "The cursor is not one this list gave.", [
      { field: "cursor", message: "Pass the `next_cursor` of the previous page." },
    ]);
  }
  return { sentAt, messageId: messageId!, partIndex };
}

/** GET /feedback/messages: the review queue, newest first. */
export async function listFeedbackMessages(
  db: Db,
  scope: Scope,
  input: PeriodInput & { label?: Label; labels?: Label[]; cursor?: string; limit?: number },
): Promise<FeedbackPage> {
  const period = await resolvePeriod(db, scope, input);
  const limit = input.limit ?? 50;
  const rows = await readPage(db, period, {
    labels: input.labels ?? (input.label ? [input.label] : null),
    order: "desc",
    position: input.cursor ? decodeCursor(input.cursor) : null,
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    data: page.map(itemOf),
    next_cursor:
      rows.length > limit && last
        ? encodeCursor({ sentAt: last.sent_at, messageId: last.message_id, partIndex: last.part_index })
        : null,
  };
}

interface ContextRow {
  for_id: string;
  direction: "inbound" | "outbound";
  text: string;
  at: Date;
}

const CONTEXT_MESSAGES = 10;

/** The up to 10 messages before each of `messageIds` in its conversation, in one query for the page. */
async function contextOf(db: Db, messageIds: string[]): Promise<Map<string, ExportLine["context"]>> {
  const rows = await db.$queryRaw<ContextRow[]>`
    SELECT t.id::text AS for_id, x.direction::text AS direction, x.text, x.created_at AS at
      FROM unnest(${messageIds}::uuid[]) AS t(id)
      JOIN message m0 ON m0.id = t.id
     CROSS JOIN LATERAL (
           SELECT c.direction, c.created_at, c.id,
                  coalesce((SELECT string_agg(coalesce(p.text, '[' || coalesce(p.attachment_file_name, 'attachment') || ']'), E'\n' ORDER BY p.index)
                              FROM message_part p WHERE p.message_id = c.id), '') AS text
             FROM message c
            WHERE c.conversation_id = m0.conversation_id
              AND (c.created_at, c.id) < (m0.created_at, m0.id)
            ORDER BY c.created_at DESC, c.id DESC
            LIMIT ${CONTEXT_MESSAGES}::int) x
     ORDER BY t.id, x.created_at, x.id`;
  const context = new Map<string, ExportLine["context"]>();
  for (const row of rows) {
    const list = context.get(row.for_id) ?? [];
    list.push({ direction: row.direction, text: row.text, at: row.at.toISOString() });
    context.set(row.for_id, list);
  }
  return context;
}

const EXPORT_PAGE = 500;

/**
 * GET /feedback/export: NDJSON, oldest first (sent_at, message_id, part_index), written as it
 * is read: each pull of the stream reads one keyset page and its context (two queries), so
 * memory holds one page whatever the export's size, and no connection is held between pages.
 * `after` (`<message_id>:<part_index>`) resumes after a line already received.
 */
export async function exportFeedback(
  db: Db,
  scope: Scope,
  input: PeriodInput & { label?: Label; labels?: Label[]; after?: string },
  pageSize = EXPORT_PAGE,
): Promise<ReadableStream<Uint8Array>> {
  const period = await resolvePeriod(db, scope, input);
  let position: Position | null = null;
  if (input.after) {
    const [messageId, index] = input.after.split(":") as [string, string];
    const start = !isUuid(messageId)
      ? null
      : await db.feedbackPart.findFirst({
          where: { messageId: messageId.toLowerCase(), partIndex: Number(index), agentId: period.agentId },
          select: { sentAt: true, messageId: true, partIndex: true },
        });
    if (!start) {
      throw new AppError("validation_failed", "`after` names no exported line of this agent.", [
        { field: "after", message: "Pass `<message_id>:<part_index>` of a line this export gave." },
      ]);
    }
    position = start;
  }
  const encoder = new TextEncoder();
  let done = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (done) return;
        const rows = await readPage(db, period, {
          labels: input.labels ?? (input.label ? [input.label] : null),
          order: "asc",
          position,
          limit: pageSize,
        });
        if (rows.length > 0) {
          const context = await contextOf(db, [...new Set(rows.map((r) => r.message_id))]);
          let text = "";
          for (const row of rows) {
            const line: ExportLine = { ...itemOf(row), context: context.get(row.message_id) ?? [] };
            text += `${JSON.stringify(line)}\n`;
          }
          controller.enqueue(encoder.encode(text));
          const last = rows.at(-1)!;
          position = { sentAt: last.sent_at, messageId: last.message_id, partIndex: last.part_index };
        }
        if (rows.length < pageSize) {
          done = true;
          controller.close();
        }
      },
    },
    // One page ahead at most: the stream reads the next page only as the client takes this one.
    { highWaterMark: 1 },
  );
}
