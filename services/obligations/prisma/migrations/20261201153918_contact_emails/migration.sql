-- AlterTable
ALTER TABLE "agreement" ADD COLUMN     "contact_emails" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateIndex
CREATE INDEX "agreement_contact_emails_idx" ON "agreement" USING GIN ("contact_emails");


-- Agreements stored before: their contacts' emails, as the write paths now keep them.
UPDATE "agreement" SET "contact_emails" = ARRAY(SELECT lower(c->>'email') FROM jsonb_array_elements("contacts") c);
