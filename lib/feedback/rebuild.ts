import type { Db } from "../db/client";
import { Prisma } from "../generated/prisma/client";
import { COUNTERS, kindsOf, LABELS } from "../tapbacks/feedback";
import { KINDS } from "../tapbacks/kinds";

/**
 * Recomputes one agent's feedback read model (feedback_part, feedback_daily) from the truth —
 * the messages, the live reactions and the audit trail — in one transaction. The service keeps
 * the read model up to date change by change (record.ts); this is for data that arrived another
 * way (a bulk load: the bench seeds a million parts with SQL) and for checking the two agree
 * (tests/feedback-rebuild.test.ts). The label comes from the same rule (`kindsOf`), turned into SQL.
 */

const LABEL_SQL = Prisma.raw(
  `CASE ${LABELS.map(
    (l) =>
      `WHEN r.kind::text IN (${kindsOf(l)
        .map((k) => `'${k}'`)
        .join(", ")}) THEN '${l}'`,
  ).join(" ")} END`,
);

export async function rebuildFeedback(db: Db, agentId: string): Promise<void> {
  const sums = Prisma.raw(
    [
      "count(*)::int",
      ...KINDS.map((k) => `(count(*) FILTER (WHERE kind = '${k}'))::int`),
      ...LABELS.map((l) => `(count(*) FILTER (WHERE label = '${l}'))::int`),
    ].join(", "),
  );
  const columns = Prisma.raw(COUNTERS.map((c) => `"${c}"`).join(", "));
  const updates = Prisma.raw(COUNTERS.map((c) => `"${c}" = EXCLUDED."${c}"`).join(", "));
  await db.$transaction(
    async (tx) => {
      await tx.$executeRaw`DELETE FROM feedback_part WHERE agent_id = ${agentId}::uuid`;
      await tx.$executeRaw`DELETE FROM feedback_daily WHERE agent_id = ${agentId}::uuid`;
      await tx.$executeRaw`
        INSERT INTO feedback_daily (agent_id, day, workspace_id, parts)
        SELECT c.agent_id, m.created_at::date, m.workspace_id, count(*)::int
          FROM conversation c
          JOIN message m ON m.conversation_id = c.id AND m.direction = 'outbound'
          JOIN message_part p ON p.message_id = m.id
         WHERE c.agent_id = ${agentId}::uuid
         GROUP BY c.agent_id, m.created_at::date, m.workspace_id`;
      await tx.$executeRaw`
        INSERT INTO feedback_part (message_id, part_index, workspace_id, agent_id, conversation_id, sent_at,
                                   label, kind, custom_emoji, sticker, reacted_at, changes)
        SELECT ch.message_id, ch.part_index, m.workspace_id, ${agentId}::uuid, m.conversation_id, m.created_at,
               live.label, live.kind, live.custom_emoji, live.sticker, live.updated_at, ch.changes
          FROM (SELECT rc.message_id, rc.part_index, count(*)::int AS changes
                  FROM reaction_change rc
                  JOIN message m ON m.id = rc.message_id AND m.direction = 'outbound'
                  JOIN conversation c ON c.id = m.conversation_id AND c.agent_id = ${agentId}::uuid
                 WHERE rc.direction = 'inbound'
                 GROUP BY rc.message_id, rc.part_index) ch
          JOIN message m ON m.id = ch.message_id
          LEFT JOIN LATERAL (
                SELECT r.kind, r.custom_emoji, r.sticker, r.updated_at, ${LABEL_SQL} AS label
                  FROM reaction r
                 WHERE r.message_id = ch.message_id AND r.part_index = ch.part_index AND r.direction = 'inbound'
                 ORDER BY r.updated_at DESC, r.id DESC
                 LIMIT 1) live ON true`;
      await tx.$executeRaw`
        INSERT INTO feedback_daily (agent_id, day, workspace_id, ${columns})
        SELECT agent_id, sent_at::date, workspace_id, ${sums}
          FROM feedback_part
         WHERE agent_id = ${agentId}::uuid AND label IS NOT NULL
         GROUP BY agent_id, sent_at::date, workspace_id
        ON CONFLICT (agent_id, day) DO UPDATE SET ${updates}`;
    },
    { timeout: 600_000, maxWait: 60_000 },
  );
}
