-- CreateIndex
CREATE INDEX "agreement_funder_idx" ON "agreement"("funder_id");

-- CreateIndex
CREATE INDEX "obligation_funder_status_due_idx" ON "obligation"("funder_id", "status", "due_date", "id");

