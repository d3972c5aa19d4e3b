-- SPEC §3: the agent links a message to its own trace, and may attach a small JSON object.
ALTER TABLE "message" ADD COLUMN "trace_id" TEXT;
ALTER TABLE "message" ADD COLUMN "metadata" JSONB;

-- SPEC §9, the read model of feedback (docs/decisions.md, "Feedback: counters kept in the
-- change's transaction"). One row per agent message part that ever drew a human reaction:
-- its live label (null once removed), what the label came from, and how many changes led there.
CREATE TABLE "feedback_part" (
    "message_id" UUID NOT NULL,
    "part_index" INTEGER NOT NULL,
    "workspace_id" UUID NOT NULL,
    "agent_id" UUID NOT NULL,
    "conversation_id" UUID NOT NULL,
    "sent_at" TIMESTAMP(3) NOT NULL,
    "label" TEXT,
    "kind" "ReactionKind",
    "custom_emoji" TEXT,
    "sticker" JSONB,
    "reacted_at" TIMESTAMP(3),
    "changes" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "feedback_part_pkey" PRIMARY KEY ("message_id","part_index")
);
CREATE INDEX "feedback_part_agent_id_sent_at_message_id_part_index_idx" ON "feedback_part"("agent_id", "sent_at", "message_id", "part_index");
CREATE INDEX "feedback_part_agent_id_label_sent_at_message_id_part_index_idx" ON "feedback_part"("agent_id", "label", "sent_at", "message_id", "part_index");
CREATE INDEX "feedback_part_workspace_id_idx" ON "feedback_part"("workspace_id");
ALTER TABLE "feedback_part" ADD CONSTRAINT "feedback_part_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "feedback_part" ADD CONSTRAINT "feedback_part_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "message"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Per agent and UTC day of sending: the counters GET /feedback/summary adds up.
CREATE TABLE "feedback_daily" (
    "agent_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "workspace_id" UUID NOT NULL,
    "parts" INTEGER NOT NULL DEFAULT 0,
    "reacted" INTEGER NOT NULL DEFAULT 0,
    "love" INTEGER NOT NULL DEFAULT 0,
    "like" INTEGER NOT NULL DEFAULT 0,
    "dislike" INTEGER NOT NULL DEFAULT 0,
    "laugh" INTEGER NOT NULL DEFAULT 0,
    "emphasize" INTEGER NOT NULL DEFAULT 0,
    "question" INTEGER NOT NULL DEFAULT 0,
    "custom" INTEGER NOT NULL DEFAULT 0,
    "sticker" INTEGER NOT NULL DEFAULT 0,
    "positive" INTEGER NOT NULL DEFAULT 0,
    "negative" INTEGER NOT NULL DEFAULT 0,
    "confused" INTEGER NOT NULL DEFAULT 0,
    "other" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "feedback_daily_pkey" PRIMARY KEY ("agent_id","day")
);
CREATE INDEX "feedback_daily_workspace_id_idx" ON "feedback_daily"("workspace_id");
ALTER TABLE "feedback_daily" ADD CONSTRAINT "feedback_daily_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "feedback_daily" ADD CONSTRAINT "feedback_daily_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Every agent message part counts once, on the day it was sent, in the statement that stores
-- it: whichever path writes parts (the API, the dashboard, the bridge, the demo seed, a bulk
-- load), the count cannot miss one. A statement-level trigger adds a whole batch in one upsert.
CREATE FUNCTION "feedback_count_parts"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "feedback_daily" ("agent_id", "day", "workspace_id", "parts")
  SELECT c."agent_id", (m."created_at")::date, m."workspace_id", count(*)::int
    FROM new_parts p
    JOIN "message" m ON m."id" = p."message_id"
    JOIN "conversation" c ON c."id" = m."conversation_id"
   WHERE m."direction" = 'outbound'
   GROUP BY c."agent_id", (m."created_at")::date, m."workspace_id"
  ON CONFLICT ("agent_id", "day") DO UPDATE SET "parts" = "feedback_daily"."parts" + EXCLUDED."parts";
  RETURN NULL;
END;
$$;
CREATE TRIGGER "feedback_count_parts" AFTER INSERT ON "message_part"
  REFERENCING NEW TABLE AS new_parts FOR EACH STATEMENT EXECUTE FUNCTION "feedback_count_parts"();

-- An agent's feedback destination (Langfuse). `secret_key` holds a sealed value.
CREATE TABLE "feedback_destination" (
    "agent_id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "public_key" TEXT NOT NULL,
    "secret_key" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "feedback_destination_pkey" PRIMARY KEY ("agent_id")
);
CREATE INDEX "feedback_destination_workspace_id_idx" ON "feedback_destination"("workspace_id");
ALTER TABLE "feedback_destination" ADD CONSTRAINT "feedback_destination_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "feedback_destination" ADD CONSTRAINT "feedback_destination_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The outbox of Langfuse scores: one row per scored message part holding the score's latest
-- state (upsert or delete), written in the reaction change's transaction. The worker sends the
-- latest state; a change while an attempt is in flight is sent after it, so the slot's order holds.
CREATE TABLE "score_delivery" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "agent_id" UUID NOT NULL,
    "message_id" UUID NOT NULL,
    "part_index" INTEGER NOT NULL,
    "score_id" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "body" TEXT,
    "sequence" INTEGER NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "status" "WebhookDeliveryStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMP(3),
    "lease_until" TIMESTAMP(3),
    "claim_token" UUID,
    "claim_version" INTEGER,
    "last_attempt_at" TIMESTAMP(3),
    "last_status_code" INTEGER,
    "last_error" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "score_delivery_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "score_delivery_message_id_part_index_key" ON "score_delivery"("message_id", "part_index");
CREATE INDEX "score_delivery_status_next_attempt_at_idx" ON "score_delivery"("status", "next_attempt_at");
CREATE INDEX "score_delivery_agent_id_updated_at_id_idx" ON "score_delivery"("agent_id", "updated_at" DESC, "id");
CREATE INDEX "score_delivery_workspace_id_idx" ON "score_delivery"("workspace_id");
ALTER TABLE "score_delivery" ADD CONSTRAINT "score_delivery_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "score_delivery" ADD CONSTRAINT "score_delivery_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "score_delivery" ADD CONSTRAINT "score_delivery_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "message"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Every attempt of every score delivery: the log beside the webhooks' one.
CREATE TABLE "score_attempt" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "delivery_id" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "method" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "started_at" TIMESTAMP(3) NOT NULL,
    "duration_ms" INTEGER NOT NULL,
    "status_code" INTEGER,
    "response_body" TEXT,
    "error" TEXT,

    CONSTRAINT "score_attempt_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "score_attempt_delivery_id_number_key" ON "score_attempt"("delivery_id", "number");
CREATE INDEX "score_attempt_workspace_id_idx" ON "score_attempt"("workspace_id");
ALTER TABLE "score_attempt" ADD CONSTRAINT "score_attempt_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "score_attempt" ADD CONSTRAINT "score_attempt_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "score_delivery"("id") ON DELETE CASCADE ON UPDATE CASCADE;
