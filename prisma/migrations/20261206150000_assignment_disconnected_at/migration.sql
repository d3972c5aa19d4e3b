-- AlterTable
ALTER TABLE "assignment" ADD COLUMN "disconnected_at" TIMESTAMP(3);
