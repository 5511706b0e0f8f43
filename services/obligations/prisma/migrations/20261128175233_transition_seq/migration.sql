-- AlterTable
ALTER TABLE "transition" ADD COLUMN     "seq" BIGSERIAL NOT NULL;

