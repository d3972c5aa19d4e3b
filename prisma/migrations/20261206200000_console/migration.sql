-- CreateEnum
CREATE TYPE "HandoffAction" AS ENUM ('take_over', 'hand_back');

-- AlterTable
ALTER TABLE "operator" ADD COLUMN "notify_taken_over" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "conversation" ADD COLUMN "taken_over_by_id" UUID,
ADD COLUMN "taken_over_at" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "conversation_handoff" (
    "id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "conversation_id" UUID NOT NULL,
    "operator_id" UUID NOT NULL,
    "action" "HandoffAction" NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "conversation_handoff_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "thread_presence" (
    "conversation_id" UUID NOT NULL,
    "operator_id" UUID NOT NULL,
    "workspace_id" UUID NOT NULL,
    "typing" BOOLEAN NOT NULL DEFAULT false,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "thread_presence_pkey" PRIMARY KEY ("conversation_id","operator_id")
);

-- CreateIndex
CREATE INDEX "conversation_taken_over_by_id_idx" ON "conversation"("taken_over_by_id");

-- CreateIndex
CREATE INDEX "conversation_handoff_conversation_id_created_at_idx" ON "conversation_handoff"("conversation_id", "created_at");

-- CreateIndex
CREATE INDEX "conversation_handoff_workspace_id_idx" ON "conversation_handoff"("workspace_id");

-- CreateIndex
CREATE INDEX "thread_presence_workspace_id_idx" ON "thread_presence"("workspace_id");

-- AddForeignKey
ALTER TABLE "conversation" ADD CONSTRAINT "conversation_taken_over_by_id_fkey" FOREIGN KEY ("taken_over_by_id") REFERENCES "operator"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversation_handoff" ADD CONSTRAINT "conversation_handoff_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversation_handoff" ADD CONSTRAINT "conversation_handoff_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversation_handoff" ADD CONSTRAINT "conversation_handoff_operator_id_fkey" FOREIGN KEY ("operator_id") REFERENCES "operator"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "thread_presence" ADD CONSTRAINT "thread_presence_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "thread_presence" ADD CONSTRAINT "thread_presence_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "thread_presence" ADD CONSTRAINT "thread_presence_operator_id_fkey" FOREIGN KEY ("operator_id") REFERENCES "operator"("id") ON DELETE CASCADE ON UPDATE CASCADE;
