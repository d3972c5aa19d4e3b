-- The phone's order: the last observed change applied to a slot, by the upstream's own clock
-- (BlueBubbles' dateCreated, its ROWID breaking ties). An older change arriving later does nothing.
ALTER TABLE "reaction_slot" ADD COLUMN "observed_at" BIGINT;
ALTER TABLE "reaction_slot" ADD COLUMN "observed_rowid" BIGINT;

-- The sandbox can deliver but answer as if the outcome were unknown.
ALTER TYPE "UpstreamMode" ADD VALUE 'unknown';

-- An Idempotency-Key whose request ended in 504 upstream_outcome_unknown stays bound to it.
ALTER TYPE "IdempotencyState" ADD VALUE 'unsettled';
ALTER TABLE "idempotency_key" ADD COLUMN "unsettled_send_id" UUID;

-- A send whose upstream outcome is unknown, until it is settled from the upstream.
CREATE TABLE "unsettled_send" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "agent_id" UUID NOT NULL,
    "conversation_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'unsettled',
    "temp_guid" TEXT,
    "payload" JSONB NOT NULL,
    "result" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "settle_by" TIMESTAMPTZ(3) NOT NULL,
    "settled_at" TIMESTAMPTZ(3),

    CONSTRAINT "unsettled_send_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "unsettled_send_workspace_id_idx" ON "unsettled_send"("workspace_id");
CREATE INDEX "unsettled_send_agent_id_state_idx" ON "unsettled_send"("agent_id", "state");
CREATE INDEX "unsettled_send_conversation_id_state_idx" ON "unsettled_send"("conversation_id", "state");
ALTER TABLE "unsettled_send" ADD CONSTRAINT "unsettled_send_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "unsettled_send" ADD CONSTRAINT "unsettled_send_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "unsettled_send" ADD CONSTRAINT "unsettled_send_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
