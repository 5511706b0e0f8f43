-- Contact preferences become per (grantee, email): a grantee's choice for its contact no longer
-- changes the reminders another funder's grantee sends to the same address.
-- Written by `prisma migrate diff`, then ordered by hand: the table is created and the choices
-- made so far are copied to every grantee the address is a contact of (what they meant until now)
-- before the old column goes.

-- CreateTable
CREATE TABLE "contact_preference" (
    "grantee_id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "locale" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "contact_preference_pkey" PRIMARY KEY ("grantee_id","email")
);

INSERT INTO "contact_preference" ("grantee_id", "email", "locale", "updated_at")
SELECT DISTINCT ac."grantee_id", c."email", c."locale", c."updated_at"
FROM "contact" c JOIN "agreement_contact" ac ON ac."email" = c."email"
WHERE c."locale" IS NOT NULL;

-- AlterTable
ALTER TABLE "contact" DROP COLUMN "locale";
