-- AlterTable
ALTER TABLE "operator" ADD COLUMN "session_epoch" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "removed_at" TIMESTAMP(3);
