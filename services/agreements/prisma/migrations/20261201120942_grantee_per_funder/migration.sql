-- Grantees become per funder: a NEQ no longer joins another funder's grantee by itself; an admin
-- confirms that two funders' grantees are one organisation (grantee.linked_to).
-- Written by `prisma migrate diff`, then ordered by hand so existing rows get their new columns
-- before the NOT NULL constraints: the resulting schema is exactly the diff's.

-- DropIndex
DROP INDEX "grantee_neq_key";

-- DropIndex
DROP INDEX "grantee_scope_funder_id_name_key";

-- AlterTable
ALTER TABLE "grantee" ADD COLUMN     "identity" TEXT,
ADD COLUMN     "linked_at" TIMESTAMPTZ(3),
ADD COLUMN     "linked_by" TEXT,
ADD COLUMN     "linked_to" UUID;

-- Existing rows: the identity they were matched by.
UPDATE "grantee" SET "identity" = CASE WHEN "neq" IS NOT NULL THEN 'neq:' || "neq" ELSE 'name:' || "name" END;

-- A NEQ grantee shared by several funders belongs to the funder of its first agreement; every
-- other funder that named it gets a grantee of its own, linked to it. The joins made before this
-- migration are kept as links (linked_by 'migration') so no agreement changes identity: every
-- event and view already carries the shared id, which stays the one shown.
DELETE FROM "grantee" g WHERE g."scope_funder_id" IS NULL AND NOT EXISTS (SELECT 1 FROM "agreement" a WHERE a."grantee_id" = g."id");
UPDATE "grantee" g SET "scope_funder_id" = (
  SELECT a."funder_id" FROM "agreement" a WHERE a."grantee_id" = g."id" ORDER BY a."created_at", a."id" LIMIT 1
) WHERE g."scope_funder_id" IS NULL;
INSERT INTO "grantee" ("id", "scope_funder_id", "identity", "neq", "name", "linked_to", "linked_at", "linked_by", "created_at")
SELECT gen_random_uuid(), s."funder_id", g."identity", g."neq", g."name", g."id", now(), 'migration', now()
FROM (SELECT DISTINCT "grantee_id", "funder_id" FROM "agreement") s
JOIN "grantee" g ON g."id" = s."grantee_id"
WHERE s."funder_id" <> g."scope_funder_id";
UPDATE "agreement" a SET "grantee_id" = l."id"
FROM "grantee" l
WHERE l."linked_to" = a."grantee_id" AND l."scope_funder_id" = a."funder_id";

ALTER TABLE "grantee" ALTER COLUMN "identity" SET NOT NULL,
ALTER COLUMN "scope_funder_id" SET NOT NULL;

-- CreateIndex
CREATE INDEX "grantee_neq_idx" ON "grantee"("neq");

-- CreateIndex
CREATE INDEX "grantee_linked_to_idx" ON "grantee"("linked_to");

-- CreateIndex
CREATE UNIQUE INDEX "grantee_scope_funder_id_identity_key" ON "grantee"("scope_funder_id", "identity");
