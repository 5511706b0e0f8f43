-- AlterTable
ALTER TABLE "digest" ADD COLUMN     "submitted_at" TIMESTAMPTZ(3);

