-- Baseline of the reports schema: its earlier migrations squashed into one when the outbox and inbox
-- moved to @pc/bus (packages/bus/migrations). The runner runs this file on a database that has none
-- of the migrations below, records it without running it on one that applied all of them (the
-- schema is then already in this state), and refuses a database that applied only some.
-- replaces 20261128173825_init 9cb301969b5da74a84baa96579c6e923c8292da2a571f364eaf89abf8f9a7aeb
-- replaces 20261128182850_outbox_pending_index 08cbde870191b418f10a05beea819ab13145fcad78699c98b62eb7ada5a98dc6

-- CreateTable
CREATE TABLE "funder" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "locale" TEXT NOT NULL,
    "report_recipients" TEXT[],
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "funder_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "programme" (
    "id" UUID NOT NULL,
    "funder_id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "programme_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agreement" (
    "id" UUID NOT NULL,
    "funder_id" UUID NOT NULL,
    "programme_id" UUID NOT NULL,
    "programme_code" TEXT NOT NULL,
    "external_ref" TEXT NOT NULL,
    "reference_code" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "grantee_id" UUID NOT NULL,
    "grantee_name" TEXT NOT NULL,
    "grantee_neq" TEXT,
    "start_date" DATE NOT NULL,
    "end_date" DATE NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "terminated_reason" TEXT,
    "revision" INTEGER NOT NULL,
    "summary" JSONB NOT NULL,
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
    "requirement_id" UUID,
    "kind" TEXT NOT NULL,
    "sequence" INTEGER,
    "due_date" DATE NOT NULL,
    "status" TEXT,
    "status_at" TIMESTAMPTZ(3),
    "in_agreement" BOOLEAN NOT NULL DEFAULT true,
    "fulfilled_at" TIMESTAMPTZ(3),
    "late" BOOLEAN,
    "evidence_url" TEXT,
    "evidence_title" TEXT,
    "evidence_published_on" DATE,

    CONSTRAINT "obligation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "evidence_withdrawal" (
    "obligation_id" UUID NOT NULL,
    "note_url" TEXT NOT NULL,
    "funder_id" UUID NOT NULL,
    "agreement_id" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "http_status" INTEGER,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "evidence_withdrawal_pkey" PRIMARY KEY ("obligation_id","note_url")
);

-- CreateTable
CREATE TABLE "contact_failure" (
    "funder_id" UUID NOT NULL,
    "contact_ref" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "failures" INTEGER NOT NULL,
    "last_obligation_id" UUID NOT NULL,
    "first_at" TIMESTAMPTZ(3) NOT NULL,
    "last_at" TIMESTAMPTZ(3) NOT NULL,
    "resolved_at" TIMESTAMPTZ(3),

    CONSTRAINT "contact_failure_pkey" PRIMARY KEY ("funder_id","contact_ref")
);

-- CreateTable
CREATE TABLE "audit_head" (
    "funder_id" UUID NOT NULL,
    "seq" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_head_pkey" PRIMARY KEY ("funder_id")
);

-- CreateTable
CREATE TABLE "audit_event" (
    "funder_id" UUID NOT NULL,
    "seq" BIGINT NOT NULL,
    "event_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "subject" TEXT,
    "actor_kind" TEXT NOT NULL,
    "actor_id" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "reason" TEXT,
    "before" JSONB,
    "after" JSONB,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_event_pkey" PRIMARY KEY ("funder_id","seq")
);

-- CreateTable
CREATE TABLE "report_dispatch" (
    "job_id" UUID NOT NULL,
    "funder_id" UUID NOT NULL,
    "recipients" INTEGER NOT NULL,
    "message_id" TEXT NOT NULL,
    "sent_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "report_dispatch_pkey" PRIMARY KEY ("job_id","funder_id")
);

-- CreateIndex
CREATE INDEX "programme_funder_id_code_idx" ON "programme"("funder_id", "code");

-- CreateIndex
CREATE INDEX "agreement_funder_id_programme_id_idx" ON "agreement"("funder_id", "programme_id");

-- CreateIndex
CREATE INDEX "obligation_funder_id_programme_id_idx" ON "obligation"("funder_id", "programme_id");

-- CreateIndex
CREATE INDEX "obligation_agreement_id_idx" ON "obligation"("agreement_id");

-- CreateIndex
CREATE INDEX "obligation_evidence_url_idx" ON "obligation"("evidence_url");

-- CreateIndex
CREATE INDEX "evidence_withdrawal_funder_id_idx" ON "evidence_withdrawal"("funder_id");

-- CreateIndex
CREATE INDEX "audit_event_funder_id_occurred_at_idx" ON "audit_event"("funder_id", "occurred_at");

-- CreateIndex
CREATE UNIQUE INDEX "audit_event_funder_id_event_id_key" ON "audit_event"("funder_id", "event_id");

