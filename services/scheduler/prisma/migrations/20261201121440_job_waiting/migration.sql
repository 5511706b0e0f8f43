-- AlterTable
ALTER TABLE "job" ADD COLUMN     "waiting_for" JSONB NOT NULL DEFAULT '[]';

