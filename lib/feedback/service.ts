import type { Db } from "../db/client";
import { AppError } from "../errors";
import { Prisma } from "../generated/prisma/client";
import { isUuid } from "../ids";
import type { Scope } from "../scope";
import { COUNTERS, LABELS, type Label, rate } from "../tapbacks/feedback";
import { KINDS, type Kind, type StickerInfo } from "../tapbacks/kinds";
import type { FeedbackItem, FeedbackPage, Summary, Totals } from "./schemas";

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
  const period = periodOf(scope, input, now);
  const agent = await db.agent.findFirst({
    where: { id: period.agentId, workspaceId: scope.workspaceId },
    select: { id: true },
  });
  if (!agent) throw new AppError("agent_not_found");
  return period;
}

/** resolvePeriod without looking the agent up: for a read that checks it in its own query. */
function periodOf(scope: Scope, input: PeriodInput, now: Date): Period {
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
  const period = periodOf(scope, input, new Date());
  const bucket = input.bucket ?? "day";
  const columns = Prisma.raw(["parts", ...COUNTERS].map((c) => `d."${c}"`).join(", "));
  // One round trip: the agent (of the caller's workspace) and its counter rows; no agent, no row.
  const found = await db.$queryRaw<(CounterRow & { day: string | null })[]>`
    SELECT to_char(d.day, 'YYYY-MM-DD') AS day, ${columns}
      FROM agent a
      LEFT JOIN feedback_daily d
        ON d.agent_id = a.id
       AND d.day >= ${period.from.toISOString().slice(0, 10)}::date AND d.day < ${period.to.toISOString().slice(0, 10)}::date
     WHERE a.id = ${period.agentId}::uuid AND a.workspace_id = ${scope.workspaceId}::uuid`;
  if (found.length === 0) throw new AppError("agent_not_found");
  const rows = found.filter((row): row is CounterRow & { day: string } => row.day !== null);
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

const CONTEXT_MESSAGES = 10;

/** A timestamp(3) column (UTC) as JavaScript's toISOString() writes it. */
const isoOf = (column: string) => Prisma.raw(`to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

interface LineRow {
  sent_at: Date;
  message_id: string;
  part_index: number;
  line: string;
}

/**
 * One keyset page of export lines, oldest first, strictly after `position`, each line already
 * JSON (built by the database: the keys and values of ExportLine, with the up to 10 messages
 * before it as context). One query per page, context included; the server only joins the lines,
 * so a page leaves a few hundred strings of garbage behind rather than thousands of row objects
 * (tests/feedback.test.ts checks each line against exportLineSchema).
 */
function readExportPage(
  db: Db,
  period: Period,
  options: { labels: Label[] | null; position: Position | null; limit: number },
): Promise<LineRow[]> {
  const { position } = options;
  const labels = options.labels ?? [...LABELS];
  const after = position
    ? Prisma.sql`AND (f.sent_at, f.message_id, f.part_index) > (${position.sentAt.toISOString()}::timestamptz AT TIME ZONE 'UTC', ${position.messageId}::uuid, ${position.partIndex}::int)`
    : Prisma.empty;
  return db.$queryRaw<LineRow[]>`
    WITH page AS (
      SELECT f.message_id, f.part_index, f.conversation_id, f.agent_id, f.sent_at, f.kind, f.custom_emoji,
             f.sticker, f.reacted_at, f.changes, f.label
        FROM feedback_part f
       WHERE f.agent_id = ${period.agentId}::uuid
         AND f.label = ANY(${labels}::text[])
         AND f.sent_at >= ${period.from.toISOString()}::timestamptz AT TIME ZONE 'UTC'
         AND f.sent_at < ${period.to.toISOString()}::timestamptz AT TIME ZONE 'UTC'
         ${after}
       ORDER BY f.sent_at, f.message_id, f.part_index
       LIMIT ${options.limit}::int)
    SELECT page.sent_at, page.message_id::text AS message_id, page.part_index,
           json_build_object(
             'message_id', page.message_id, 'part_index', page.part_index,
             'conversation_id', page.conversation_id, 'agent_id', page.agent_id,
             'trace_id', m.trace_id, 'metadata', m.metadata, 'sent_at', ${isoOf("page.sent_at")},
             'text', p.text,
             'context', coalesce(ctx.context, '[]'::json),
             'reaction', json_build_object('kind', page.kind, 'custom_emoji', page.custom_emoji,
                                           'sticker', page.sticker, 'at', ${isoOf("page.reacted_at")}),
             'changes', page.changes, 'label', page.label)::text AS line
      FROM page
      JOIN message m ON m.id = page.message_id
      LEFT JOIN message_part p ON p.message_id = page.message_id AND p.index = page.part_index
      LEFT JOIN LATERAL (
           SELECT json_agg(json_build_object('direction', x.direction, 'text', x.text, 'at', ${isoOf("x.created_at")})
                           ORDER BY x.created_at, x.id) AS context
             FROM (SELECT c.direction, c.created_at, c.id,
                          coalesce((SELECT string_agg(coalesce(cp.text, '[' || coalesce(cp.attachment_file_name, 'attachment') || ']'), E'\n' ORDER BY cp.index)
                                      FROM message_part cp WHERE cp.message_id = c.id), '') AS text
                     FROM message c
                    WHERE c.conversation_id = m.conversation_id
                      AND (c.created_at, c.id) < (m.created_at, m.id)
                    ORDER BY c.created_at DESC, c.id DESC
                    LIMIT ${CONTEXT_MESSAGES}::int) x) ctx ON true
     ORDER BY page.sent_at, page.message_id, page.part_index`;
}

export const EXPORT_PAGE = 200;
const CHUNK_BYTES = 32 * 1024;

/**
 * GET /feedback/export: NDJSON, oldest first (sent_at, message_id, part_index), written as it
 * is read: each pull of the stream reads one keyset page of lines, context included (one
 * query), and writes them; the next page is read only once the client has taken this one
 * (highWaterMark 1), so memory holds one page whatever the export's size, and no connection
 * is held between pages.
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
  let done = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (done) return;
        const rows = await readExportPage(db, period, {
          labels: input.labels ?? (input.label ? [input.label] : null),
          position,
          limit: pageSize,
        });
        if (rows.length > 0) {
          // Chunks of at most CHUNK_BYTES, written straight into buffers: joining the page's lines
          // first would make one flat string of it (V8 keeps those in its large-object space until
          // a full collection), and large buffers come from malloc's heap, which keeps what it grew.
          let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
          let at = 0;
          for (const row of rows) {
            const size = Buffer.byteLength(row.line) + 1;
            if (at + size > chunk.length) {
              if (at > 0) controller.enqueue(chunk.subarray(0, at));
              chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, size));
              at = 0;
            }
            at += chunk.write(row.line, at);
            chunk[at++] = 10;
          }
          controller.enqueue(chunk.subarray(0, at));
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
