-- Baseline of the notifier schema: its earlier migrations squashed into one when the outbox and inbox
-- moved to @pc/bus (packages/bus/migrations). The runner runs this file on a database that has none
-- of the migrations below, records it without running it on one that applied all of them (the
-- schema is then already in this state), and refuses a database that applied only some.
-- replaces 20261128173758_init cb5aeb4db28e8bd7d65d2e0f122a37f428f01b78ec91ae851869b3c0fa575cd3
-- replaces 20261128175553_run c24b429e1490983ea31b3408ea62b5742c2533006b3fce0b1513ad1539bdff5d
-- replaces 20261128182937_digest_submitted_at 9d1db41b4581e7efa6238d6cf6f47cd560d443aa8d722f0576f68356def86808
-- replaces 20261128183126_outbox_pending_index 08cbde870191b418f10a05beea819ab13145fcad78699c98b62eb7ada5a98dc6

-- CreateTable
CREATE TABLE "funder" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
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
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "programme_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "directory_agreement" (
    "id" UUID NOT NULL,
    "funder_id" UUID NOT NULL,
    "grantee_id" UUID NOT NULL,
    "revision" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "directory_agreement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agreement_contact" (
    "agreement_id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "grantee_id" UUID NOT NULL,
    "funder_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "locale" TEXT NOT NULL,

    CONSTRAINT "agreement_contact_pkey" PRIMARY KEY ("agreement_id","email")
);

-- CreateTable
CREATE TABLE "contact" (
    "email" TEXT NOT NULL,
    "locale" TEXT,
    "failing_at" TIMESTAMPTZ(3),
    "failing_reason" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "contact_pkey" PRIMARY KEY ("email")
);

-- CreateTable
CREATE TABLE "run" (
    "run_id" UUID NOT NULL,
    "expected" INTEGER NOT NULL,
    "as_of" TEXT NOT NULL,
    "closed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "digested_at" TIMESTAMPTZ(3),

    CONSTRAINT "run_pkey" PRIMARY KEY ("run_id")
);

-- CreateTable
CREATE TABLE "run_stage" (
    "run_id" UUID NOT NULL,
    "reminder_id" UUID NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "run_stage_pkey" PRIMARY KEY ("run_id","reminder_id")
);

-- CreateTable
CREATE TABLE "reminder_delivery" (
    "id" UUID NOT NULL,
    "reminder_id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "run_id" UUID NOT NULL,
    "contact_name" TEXT NOT NULL,
    "contact_locale" TEXT NOT NULL,
    "obligation_id" UUID NOT NULL,
    "agreement_id" UUID NOT NULL,
    "funder_id" UUID NOT NULL,
    "stage_key" TEXT NOT NULL,
    "escalate" BOOLEAN NOT NULL,
    "reminder" JSONB NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "digest_id" UUID,
    "last_error" TEXT,
    "sent_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reminder_delivery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "digest" (
    "id" UUID NOT NULL,
    "run_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "parent_id" UUID,
    "email" TEXT NOT NULL,
    "funder_id" UUID,
    "to_addrs" TEXT[],
    "cc_addrs" TEXT[],
    "locale" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL,
    "lease_until" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "submitted_at" TIMESTAMPTZ(3),
    "sent_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "digest_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "agreement_contact_grantee_idx" ON "agreement_contact"("grantee_id", "email");

-- CreateIndex
CREATE INDEX "reminder_delivery_run_idx" ON "reminder_delivery"("run_id", "digest_id");

-- CreateIndex
CREATE INDEX "reminder_delivery_digest_idx" ON "reminder_delivery"("digest_id");

-- CreateIndex
CREATE UNIQUE INDEX "reminder_delivery_reminder_email_key" ON "reminder_delivery"("reminder_id", "email");

-- CreateIndex
CREATE UNIQUE INDEX "digest_message_id_key" ON "digest"("message_id");

-- CreateIndex
CREATE INDEX "digest_claim_idx" ON "digest"("state", "next_attempt_at");

