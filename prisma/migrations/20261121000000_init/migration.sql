-- CreateEnum
CREATE TYPE "OperatorRole" AS ENUM ('owner', 'member');

-- CreateEnum
CREATE TYPE "AssignmentStatus" AS ENUM ('active', 'disconnected');

-- CreateEnum
CREATE TYPE "Direction" AS ENUM ('inbound', 'outbound');

-- CreateEnum
CREATE TYPE "MessageStatus" AS ENUM ('queued', 'sent', 'delivered', 'failed', 'received');

-- CreateEnum
CREATE TYPE "PartType" AS ENUM ('text', 'attachment');

-- CreateEnum
CREATE TYPE "ReactionKind" AS ENUM ('love', 'like', 'dislike', 'laugh', 'emphasize', 'question', 'custom', 'sticker');

-- CreateEnum
CREATE TYPE "ChangeAction" AS ENUM ('add', 'replace', 'remove');

-- CreateEnum
CREATE TYPE "ActorType" AS ENUM ('api_key', 'operator', 'human');

-- CreateEnum
CREATE TYPE "UpstreamMode" AS ENUM ('ok', 'fail', 'hold');

-- CreateTable
CREATE TABLE "instance_secret" (
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "instance_secret_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "workspace" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "upstream_mode" "UpstreamMode" NOT NULL DEFAULT 'ok',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "workspace_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "operator" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "role" "OperatorRole" NOT NULL DEFAULT 'member',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "operator_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agent" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "handle" TEXT NOT NULL,
    "imessage_enabled" BOOLEAN NOT NULL DEFAULT true,
    "custom_emoji_sends" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_key" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "agent_id" UUID,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMP(3),

    CONSTRAINT "api_key_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "assignment" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "agent_id" UUID NOT NULL,
    "remote_number" TEXT NOT NULL,
    "status" "AssignmentStatus" NOT NULL DEFAULT 'active',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "assignment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "conversation" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "assignment_id" UUID NOT NULL,
    "agent_id" UUID NOT NULL,
    "remote_number" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "last_activity_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_inbound_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "conversation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "conversation_read" (
    "workspace_id" UUID NOT NULL,
    "operator_id" UUID NOT NULL,
    "conversation_id" UUID NOT NULL,
    "read_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "conversation_read_pkey" PRIMARY KEY ("operator_id","conversation_id")
);

-- CreateTable
CREATE TABLE "message" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "conversation_id" UUID NOT NULL,
    "direction" "Direction" NOT NULL,
    "sender" TEXT NOT NULL,
    "status" "MessageStatus" NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "message_part" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "message_id" UUID NOT NULL,
    "index" INTEGER NOT NULL,
    "type" "PartType" NOT NULL,
    "text" TEXT,
    "attachment_url" TEXT,
    "attachment_mime_type" TEXT,
    "attachment_file_name" TEXT,

    CONSTRAINT "message_part_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reaction_slot" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "message_id" UUID NOT NULL,
    "part_index" INTEGER NOT NULL,
    "sender" TEXT NOT NULL,
    "lane" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "reaction_slot_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reaction" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "slot_id" UUID NOT NULL,
    "conversation_id" UUID NOT NULL,
    "assignment_id" UUID NOT NULL,
    "message_id" UUID NOT NULL,
    "part_index" INTEGER NOT NULL,
    "direction" "Direction" NOT NULL,
    "sender" TEXT NOT NULL,
    "kind" "ReactionKind" NOT NULL,
    "custom_emoji" TEXT,
    "sticker" JSONB,
    "sequence" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reaction_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reaction_change" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "slot_id" UUID NOT NULL,
    "reaction_id" UUID NOT NULL,
    "conversation_id" UUID NOT NULL,
    "message_id" UUID NOT NULL,
    "part_index" INTEGER NOT NULL,
    "direction" "Direction" NOT NULL,
    "sender" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,
    "action" "ChangeAction" NOT NULL,
    "kind" "ReactionKind" NOT NULL,
    "custom_emoji" TEXT,
    "sticker" JSONB,
    "previous_kind" "ReactionKind",
    "previous_custom_emoji" TEXT,
    "actor_type" "ActorType" NOT NULL,
    "actor_id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reaction_change_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "operator_email_key" ON "operator"("email");

-- CreateIndex
CREATE INDEX "operator_workspace_id_idx" ON "operator"("workspace_id");

-- CreateIndex
CREATE UNIQUE INDEX "agent_workspace_id_handle_key" ON "agent"("workspace_id", "handle");

-- CreateIndex
CREATE UNIQUE INDEX "api_key_hash_key" ON "api_key"("hash");

-- CreateIndex
CREATE INDEX "api_key_workspace_id_idx" ON "api_key"("workspace_id");

-- CreateIndex
CREATE INDEX "assignment_workspace_id_agent_id_idx" ON "assignment"("workspace_id", "agent_id");

-- CreateIndex
CREATE UNIQUE INDEX "conversation_assignment_id_key" ON "conversation"("assignment_id");

-- CreateIndex
CREATE INDEX "conversation_workspace_id_last_activity_at_id_idx" ON "conversation"("workspace_id", "last_activity_at" DESC, "id");

-- CreateIndex
CREATE INDEX "conversation_read_workspace_id_idx" ON "conversation_read"("workspace_id");

-- CreateIndex
CREATE INDEX "message_conversation_id_created_at_id_idx" ON "message"("conversation_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "message_workspace_id_idx" ON "message"("workspace_id");

-- CreateIndex
CREATE UNIQUE INDEX "message_part_message_id_index_key" ON "message_part"("message_id", "index");

-- CreateIndex
CREATE INDEX "message_part_workspace_id_idx" ON "message_part"("workspace_id");

-- CreateIndex
CREATE UNIQUE INDEX "reaction_slot_message_id_part_index_sender_lane_key" ON "reaction_slot"("message_id", "part_index", "sender", "lane");

-- CreateIndex
CREATE INDEX "reaction_slot_workspace_id_idx" ON "reaction_slot"("workspace_id");

-- CreateIndex
CREATE UNIQUE INDEX "reaction_slot_id_key" ON "reaction"("slot_id");

-- CreateIndex
CREATE INDEX "reaction_message_id_created_at_id_idx" ON "reaction"("message_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "reaction_conversation_id_idx" ON "reaction"("conversation_id");

-- CreateIndex
CREATE INDEX "reaction_workspace_id_idx" ON "reaction"("workspace_id");

-- CreateIndex
CREATE UNIQUE INDEX "reaction_change_slot_id_sequence_key" ON "reaction_change"("slot_id", "sequence");

-- CreateIndex
CREATE INDEX "reaction_change_workspace_id_created_at_idx" ON "reaction_change"("workspace_id", "created_at");

-- CreateIndex
CREATE INDEX "reaction_change_reaction_id_idx" ON "reaction_change"("reaction_id");

-- AddForeignKey
ALTER TABLE "operator" ADD CONSTRAINT "operator_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent" ADD CONSTRAINT "agent_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "assignment" ADD CONSTRAINT "assignment_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "assignment" ADD CONSTRAINT "assignment_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversation" ADD CONSTRAINT "conversation_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversation" ADD CONSTRAINT "conversation_assignment_id_fkey" FOREIGN KEY ("assignment_id") REFERENCES "assignment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversation" ADD CONSTRAINT "conversation_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversation_read" ADD CONSTRAINT "conversation_read_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversation_read" ADD CONSTRAINT "conversation_read_operator_id_fkey" FOREIGN KEY ("operator_id") REFERENCES "operator"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversation_read" ADD CONSTRAINT "conversation_read_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "message" ADD CONSTRAINT "message_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "message" ADD CONSTRAINT "message_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "message_part" ADD CONSTRAINT "message_part_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "message_part" ADD CONSTRAINT "message_part_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "message"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reaction_slot" ADD CONSTRAINT "reaction_slot_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reaction_slot" ADD CONSTRAINT "reaction_slot_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "message"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reaction" ADD CONSTRAINT "reaction_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reaction" ADD CONSTRAINT "reaction_slot_id_fkey" FOREIGN KEY ("slot_id") REFERENCES "reaction_slot"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reaction" ADD CONSTRAINT "reaction_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reaction" ADD CONSTRAINT "reaction_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "message"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reaction_change" ADD CONSTRAINT "reaction_change_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reaction_change" ADD CONSTRAINT "reaction_change_slot_id_fkey" FOREIGN KEY ("slot_id") REFERENCES "reaction_slot"("id") ON DELETE CASCADE ON UPDATE CASCADE;
