-- DropIndex
DROP INDEX "outbox_pending_idx";

-- CreateIndex
CREATE INDEX "outbox_pending_idx" ON "outbox"("published_at", "created_at");

