-- Baseline of the agreements schema: its earlier migrations squashed into one when the outbox and inbox
-- moved to @pc/bus (packages/bus/migrations). The runner runs this file on a database that has none
-- of the migrations below, records it without running it on one that applied all of them (the
-- schema is then already in this state), and refuses a database that applied only some.
-- replaces 20261128172801_init 18a8593c8648d7a04a2b661c737091b0d1ef182509ddc2486bc27493bbe53332
-- replaces 20261128173719_intake f2ba51faad644701874e0aa3394ad9eabee38f23f04cc31f20d3d0b406cb9bd9
-- replaces 20261128182805_outbox_pending_index 08cbde870191b418f10a05beea819ab13145fcad78699c98b62eb7ada5a98dc6

-- CreateTable
CREATE TABLE "funder" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "locale" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "funder_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "programme" (
    "id" UUID NOT NULL,
    "funder_id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "sector" TEXT,
    "praxis_feeds" TEXT[],
    "reminder_stages" JSONB NOT NULL,
    "default_requirements" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "programme_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "grantee" (
    "id" UUID NOT NULL,
    "neq" TEXT,
    "name" TEXT NOT NULL,
    "scope_funder_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "grantee_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agreement" (
    "id" UUID NOT NULL,
    "funder_id" UUID NOT NULL,
    "programme_id" UUID NOT NULL,
    "grantee_id" UUID NOT NULL,
    "external_ref" TEXT NOT NULL,
    "reference_code" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "amount_cents" BIGINT,
    "currency" TEXT,
    "start_date" DATE NOT NULL,
    "end_date" DATE NOT NULL,
    "signed_at" DATE,
    "status" TEXT NOT NULL DEFAULT 'active',
    "terminated_at" TIMESTAMPTZ(3),
    "termination_reason" TEXT,
    "revision" INTEGER NOT NULL DEFAULT 1,
    "content_hash" TEXT NOT NULL,
    "default_requirements" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agreement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agreement_contact" (
    "agreement_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "locale" TEXT NOT NULL DEFAULT 'fr',

    CONSTRAINT "agreement_contact_pkey" PRIMARY KEY ("agreement_id","position")
);

-- CreateTable
CREATE TABLE "requirement" (
    "id" UUID NOT NULL,
    "agreement_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "due_anchor" TEXT,
    "due_offset" TEXT,
    "due_date" DATE,
    "retired" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "requirement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "obligation" (
    "id" UUID NOT NULL,
    "agreement_id" UUID NOT NULL,
    "requirement_id" UUID NOT NULL,
    "sequence" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "due_date" DATE NOT NULL,
    "current_due_date" DATE,
    "status" TEXT NOT NULL,
    "status_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retired" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "obligation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agreement_history" (
    "id" UUID NOT NULL,
    "agreement_id" UUID NOT NULL,
    "revision" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "reason" TEXT,
    "changes" TEXT[],
    "before" JSONB NOT NULL,
    "after" JSONB NOT NULL,
    "actor_key_id" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agreement_history_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "programme_funder_id_code_key" ON "programme"("funder_id", "code");

-- CreateIndex
CREATE UNIQUE INDEX "grantee_neq_key" ON "grantee"("neq");

-- CreateIndex
CREATE UNIQUE INDEX "grantee_scope_funder_id_name_key" ON "grantee"("scope_funder_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "agreement_reference_code_key" ON "agreement"("reference_code");

-- CreateIndex
CREATE INDEX "agreement_funder_id_created_at_id_idx" ON "agreement"("funder_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "agreement_programme_id_idx" ON "agreement"("programme_id");

-- CreateIndex
CREATE INDEX "agreement_grantee_id_idx" ON "agreement"("grantee_id");

-- CreateIndex
CREATE UNIQUE INDEX "agreement_funder_id_external_ref_key" ON "agreement"("funder_id", "external_ref");

-- CreateIndex
CREATE INDEX "agreement_contact_email_idx" ON "agreement_contact"("email");

-- CreateIndex
CREATE UNIQUE INDEX "requirement_agreement_id_position_key" ON "requirement"("agreement_id", "position");

-- CreateIndex
CREATE INDEX "obligation_agreement_id_idx" ON "obligation"("agreement_id");

-- CreateIndex
CREATE UNIQUE INDEX "obligation_requirement_id_sequence_key" ON "obligation"("requirement_id", "sequence");

-- CreateIndex
CREATE UNIQUE INDEX "agreement_history_agreement_id_revision_key" ON "agreement_history"("agreement_id", "revision");

-- AddForeignKey
ALTER TABLE "agreement" ADD CONSTRAINT "agreement_programme_id_fkey" FOREIGN KEY ("programme_id") REFERENCES "programme"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agreement" ADD CONSTRAINT "agreement_grantee_id_fkey" FOREIGN KEY ("grantee_id") REFERENCES "grantee"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agreement_contact" ADD CONSTRAINT "agreement_contact_agreement_id_fkey" FOREIGN KEY ("agreement_id") REFERENCES "agreement"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "requirement" ADD CONSTRAINT "requirement_agreement_id_fkey" FOREIGN KEY ("agreement_id") REFERENCES "agreement"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "obligation" ADD CONSTRAINT "obligation_agreement_id_fkey" FOREIGN KEY ("agreement_id") REFERENCES "agreement"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "obligation" ADD CONSTRAINT "obligation_requirement_id_fkey" FOREIGN KEY ("requirement_id") REFERENCES "requirement"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agreement_history" ADD CONSTRAINT "agreement_history_agreement_id_fkey" FOREIGN KEY ("agreement_id") REFERENCES "agreement"("id") ON DELETE CASCADE ON UPDATE CASCADE;

