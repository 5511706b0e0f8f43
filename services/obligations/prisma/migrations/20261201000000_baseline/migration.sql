-- Baseline of the obligations schema: its earlier migrations squashed into one when the outbox and inbox
-- moved to @pc/bus (packages/bus/migrations). The runner runs this file on a database that has none
-- of the migrations below, records it without running it on one that applied all of them (the
-- schema is then already in this state), and refuses a database that applied only some.
-- replaces 20261128173745_init 921d413078a762129ed1183e3019315e6b760a7f8ce6db0ec06d52c40e65d73e
-- replaces 20261128175233_transition_seq b3e28d47d439ece19acf050ee08e5ff19b885f794998160dec9dda52a1833b99
-- replaces 20261128182828_outbox_pending_index 08cbde870191b418f10a05beea819ab13145fcad78699c98b62eb7ada5a98dc6

-- CreateTable
CREATE TABLE "programme" (
    "id" UUID NOT NULL,
    "funder_id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "reminder_stages" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "programme_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agreement" (
    "id" UUID NOT NULL,
    "funder_id" UUID NOT NULL,
    "programme_id" UUID,
    "programme_code" TEXT NOT NULL DEFAULT '',
    "external_ref" TEXT NOT NULL DEFAULT '',
    "reference_code" TEXT NOT NULL DEFAULT '',
    "title" TEXT NOT NULL DEFAULT '',
    "start_date" DATE,
    "end_date" DATE,
    "grantee_id" UUID,
    "grantee_name" TEXT NOT NULL DEFAULT '',
    "grantee_neq" TEXT,
    "contacts" JSONB NOT NULL DEFAULT '[]',
    "revision" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agreement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "obligation" (
    "id" UUID NOT NULL,
    "agreement_id" UUID NOT NULL,
    "funder_id" UUID NOT NULL,
    "programme_id" UUID NOT NULL,
    "grantee_id" UUID NOT NULL,
    "requirement_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,
    "due_date" DATE NOT NULL,
    "derived_due_date" DATE NOT NULL,
    "status" TEXT NOT NULL,
    "fulfilled_at" TIMESTAMPTZ(3),
    "late" BOOLEAN,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "obligation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "transition" (
    "id" UUID NOT NULL,
    "obligation_id" UUID NOT NULL,
    "from_status" TEXT,
    "to_status" TEXT NOT NULL,
    "due_date" DATE NOT NULL,
    "previous_due_date" DATE,
    "reason" TEXT,
    "actor_kind" TEXT NOT NULL,
    "actor_id" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "seq" BIGSERIAL NOT NULL,

    CONSTRAINT "transition_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "evidence" (
    "id" UUID NOT NULL,
    "obligation_id" UUID NOT NULL,
    "agreement_id" UUID NOT NULL,
    "note_id" TEXT NOT NULL,
    "note_url" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "published_on" DATE,
    "late" BOOLEAN NOT NULL,
    "source" TEXT NOT NULL,
    "verified_at" TIMESTAMPTZ(3) NOT NULL,
    "withdrawn_at" TIMESTAMPTZ(3),
    "withdrawn_reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "evidence_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reminder" (
    "id" UUID NOT NULL,
    "obligation_id" UUID NOT NULL,
    "stage_key" TEXT NOT NULL,
    "offset_days" INTEGER NOT NULL,
    "escalate" BOOLEAN NOT NULL,
    "status" TEXT NOT NULL,
    "run_id" UUID NOT NULL,
    "as_of" DATE NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reminder_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reminder_delivery" (
    "reminder_id" UUID NOT NULL,
    "contact_ref" TEXT NOT NULL,
    "obligation_id" UUID NOT NULL,
    "outcome" TEXT NOT NULL,
    "message_id" TEXT,
    "reason" TEXT,
    "permanent" BOOLEAN,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "reminder_delivery_pkey" PRIMARY KEY ("reminder_id","contact_ref")
);

-- CreateTable
CREATE TABLE "evaluation_run" (
    "job_id" UUID NOT NULL,
    "as_of" DATE NOT NULL,
    "status" TEXT NOT NULL,
    "cursor" UUID,
    "counts" JSONB NOT NULL DEFAULT '{}',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lease_until" TIMESTAMPTZ(3),
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "evaluation_run_pkey" PRIMARY KEY ("job_id")
);

-- CreateIndex
CREATE INDEX "obligation_funder_due_idx" ON "obligation"("funder_id", "due_date", "id");

-- CreateIndex
CREATE INDEX "obligation_grantee_due_idx" ON "obligation"("grantee_id", "due_date", "id");

-- CreateIndex
CREATE INDEX "obligation_agreement_idx" ON "obligation"("agreement_id");

-- CreateIndex
CREATE INDEX "obligation_status_idx" ON "obligation"("status", "id");

-- CreateIndex
CREATE INDEX "transition_obligation_idx" ON "transition"("obligation_id", "at");

-- CreateIndex
CREATE INDEX "evidence_note_idx" ON "evidence"("note_id");

-- CreateIndex
CREATE INDEX "evidence_obligation_idx" ON "evidence"("obligation_id");

-- CreateIndex
CREATE UNIQUE INDEX "evidence_agreement_note_key" ON "evidence"("agreement_id", "note_id");

-- CreateIndex
CREATE INDEX "reminder_run_idx" ON "reminder"("run_id");

-- CreateIndex
CREATE UNIQUE INDEX "reminder_obligation_stage_key" ON "reminder"("obligation_id", "stage_key");

-- CreateIndex
CREATE INDEX "reminder_delivery_obligation_idx" ON "reminder_delivery"("obligation_id");

-- CreateIndex
CREATE INDEX "evaluation_run_status_idx" ON "evaluation_run"("status");

-- AddForeignKey
ALTER TABLE "obligation" ADD CONSTRAINT "obligation_agreement_id_fkey" FOREIGN KEY ("agreement_id") REFERENCES "agreement"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "transition" ADD CONSTRAINT "transition_obligation_id_fkey" FOREIGN KEY ("obligation_id") REFERENCES "obligation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "evidence" ADD CONSTRAINT "evidence_obligation_id_fkey" FOREIGN KEY ("obligation_id") REFERENCES "obligation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reminder" ADD CONSTRAINT "reminder_obligation_id_fkey" FOREIGN KEY ("obligation_id") REFERENCES "obligation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

