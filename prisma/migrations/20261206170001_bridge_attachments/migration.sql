-- Bridge attachments Tapdesk may serve: only guids read from the bridge itself, written by the
-- bridge path alone (lib/bridges/bluebubbles/apply.ts). Columns callers write (a message part's
-- attachment URL, a sticker's URL) no longer decide it.
CREATE TABLE "bridge_attachment" (
    "agent_id" UUID NOT NULL,
    "guid" TEXT NOT NULL,
    "workspace_id" UUID NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bridge_attachment_pkey" PRIMARY KEY ("agent_id","guid")
);
CREATE INDEX "bridge_attachment_workspace_id_idx" ON "bridge_attachment"("workspace_id");
ALTER TABLE "bridge_attachment" ADD CONSTRAINT "bridge_attachment_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "bridge_attachment" ADD CONSTRAINT "bridge_attachment_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Attachments recorded before this table, from rows only the bridge path writes: parts of
-- inbound messages read from a bridge, and stickers of tapbacks the bridge reported (placed on
-- the Mac, or by the human on a message that has a bridge guid: the sandbox's controls refuse
-- bridged conversations). Caller-written rows (API sends, sandbox stickers) are left out.
INSERT INTO "bridge_attachment" ("agent_id", "guid", "workspace_id")
SELECT DISTINCT c."agent_id", m2[2], p."workspace_id"
  FROM "message_part" p
  JOIN "message" m ON m."id" = p."message_id"
  JOIN "conversation" c ON c."id" = m."conversation_id"
  CROSS JOIN LATERAL regexp_match(p."attachment_url", '/api/v1/agents/([0-9a-f-]{36})/bridge/attachments/([A-Za-z0-9_.!~*''()-]+)$') AS m2
 WHERE m."direction" = 'inbound' AND m."bridge_guid" IS NOT NULL AND m2[1] = c."agent_id"::text
ON CONFLICT DO NOTHING;
INSERT INTO "bridge_attachment" ("agent_id", "guid", "workspace_id")
SELECT DISTINCT c."agent_id", m2[2], r."workspace_id"
  FROM "reaction_change" r
  JOIN "message" m ON m."id" = r."message_id"
  JOIN "conversation" c ON c."id" = m."conversation_id"
  CROSS JOIN LATERAL regexp_match(r."sticker"->>'url', '/api/v1/agents/([0-9a-f-]{36})/bridge/attachments/([A-Za-z0-9_.!~*''()-]+)$') AS m2
 WHERE r."kind" = 'sticker' AND m2[1] = c."agent_id"::text
   AND (r."actor_type" = 'bridge' OR (r."actor_type" = 'human' AND m."bridge_guid" IS NOT NULL))
ON CONFLICT DO NOTHING;
