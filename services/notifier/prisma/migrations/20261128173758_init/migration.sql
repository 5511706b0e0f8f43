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
    "sent_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "digest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox" (
    "id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "subject" TEXT,
    "data" JSONB NOT NULL,
    "correlation_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "inbox" (
    "consumer" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "inbox_pkey" PRIMARY KEY ("consumer","message_id")
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

-- CreateIndex
CREATE INDEX "outbox_pending_idx" ON "outbox"("created_at");

