-- Upstream calls leave the transaction: a change of a reaction slot is serialized by a lease
-- (a row that expires) instead of a row lock held across the upstream call.
CREATE TABLE "slot_lease" (
    "message_id" UUID NOT NULL,
    "part_index" INTEGER NOT NULL,
    "sender" TEXT NOT NULL,
    "lane" TEXT NOT NULL,
    "workspace_id" UUID NOT NULL,
    "token" UUID NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "slot_lease_pkey" PRIMARY KEY ("message_id","part_index","sender","lane")
);
CREATE INDEX "slot_lease_workspace_id_idx" ON "slot_lease"("workspace_id");
ALTER TABLE "slot_lease" ADD CONSTRAINT "slot_lease_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "slot_lease" ADD CONSTRAINT "slot_lease_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "message"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The sandbox's latency control, shared by every app instance like its fault mode.
ALTER TABLE "workspace" ADD COLUMN "upstream_latency_ms" INTEGER NOT NULL DEFAULT 0;

-- Changes observed on a BlueBubbles bridge (made on the Mac itself) are the bridge's.
ALTER TYPE "ActorType" ADD VALUE 'bridge';

-- A BlueBubbles bridge per agent. `password` and `inbound_secret` hold sealed values.
CREATE TABLE "bluebubbles_bridge" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "agent_id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "password" TEXT NOT NULL,
    "inbound_secret" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "last_contact_at" TIMESTAMP(3),
    "cursor_ms" BIGINT,
    "reconcile_token" UUID,
    "reconcile_until" TIMESTAMPTZ(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "bluebubbles_bridge_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "bluebubbles_bridge_agent_id_key" ON "bluebubbles_bridge"("agent_id");
CREATE INDEX "bluebubbles_bridge_workspace_id_idx" ON "bluebubbles_bridge"("workspace_id");
ALTER TABLE "bluebubbles_bridge" ADD CONSTRAINT "bluebubbles_bridge_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "bluebubbles_bridge" ADD CONSTRAINT "bluebubbles_bridge_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- What the bridge calls things: a message's guid, a conversation's chat guid.
ALTER TABLE "message" ADD COLUMN "bridge_guid" TEXT;
CREATE UNIQUE INDEX "message_workspace_id_bridge_guid_key" ON "message"("workspace_id", "bridge_guid");
ALTER TABLE "conversation" ADD COLUMN "chat_guid" TEXT;

-- Every bridge guid (message or tapback) is applied once: webhooks repeat, reconciliation re-reads.
CREATE TABLE "bridge_guid" (
    "agent_id" UUID NOT NULL,
    "guid" TEXT NOT NULL,
    "workspace_id" UUID NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bridge_guid_pkey" PRIMARY KEY ("agent_id","guid")
);
CREATE INDEX "bridge_guid_workspace_id_idx" ON "bridge_guid"("workspace_id");
ALTER TABLE "bridge_guid" ADD CONSTRAINT "bridge_guid_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "bridge_guid" ADD CONSTRAINT "bridge_guid_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;
