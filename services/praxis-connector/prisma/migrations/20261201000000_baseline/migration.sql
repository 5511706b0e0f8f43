-- Baseline of the praxis-connector schema: its earlier migrations squashed into one when the outbox and inbox
-- moved to @pc/bus (packages/bus/migrations). The runner runs this file on a database that has none
-- of the migrations below, records it without running it on one that applied all of them (the
-- schema is then already in this state), and refuses a database that applied only some.
-- replaces 20261128174141_init 950c85955c0dd5ea7deaa41bd854583541e296caed33a4554bc9b03dacf7bcf2
-- replaces 20261128182839_outbox_pending_index 08cbde870191b418f10a05beea819ab13145fcad78699c98b62eb7ada5a98dc6

-- CreateTable
CREATE TABLE "programme" (
    "id" UUID NOT NULL,
    "funder_id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "feeds" TEXT[],
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "programme_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agreement" (
    "id" UUID NOT NULL,
    "funder_id" UUID NOT NULL,
    "programme_id" UUID NOT NULL,
    "reference_code" TEXT NOT NULL,
    "external_ref" TEXT NOT NULL,
    "start_date" TEXT NOT NULL,
    "end_date" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "revision" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agreement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "feed_state" (
    "url" TEXT NOT NULL,
    "etag" TEXT,
    "last_modified" TEXT,
    "items" JSONB NOT NULL DEFAULT '{}',
    "last_polled_at" TIMESTAMPTZ(3),
    "last_outcome" TEXT,
    "last_error" TEXT,

    CONSTRAINT "feed_state_pkey" PRIMARY KEY ("url")
);

-- CreateTable
CREATE TABLE "note" (
    "id" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "text_sha256" TEXT NOT NULL,
    "published_on" TEXT,
    "published_source" TEXT NOT NULL,
    "feed_published_on" TEXT,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "verified_at" TIMESTAMPTZ(3) NOT NULL,
    "last_checked_at" TIMESTAMPTZ(3) NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'public',
    "withdrawn_reason" TEXT,
    "withdrawn_at" TIMESTAMPTZ(3),
    "http_status" INTEGER,

    CONSTRAINT "note_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "note_match" (
    "note_id" TEXT NOT NULL,
    "agreement_id" UUID NOT NULL,
    "source" TEXT NOT NULL,
    "matched_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "note_match_pkey" PRIMARY KEY ("note_id","agreement_id")
);

-- CreateTable
CREATE TABLE "sync_run" (
    "job_id" UUID NOT NULL,
    "status" TEXT NOT NULL,
    "requested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "counts" JSONB,
    "error" TEXT,

    CONSTRAINT "sync_run_pkey" PRIMARY KEY ("job_id")
);

-- CreateIndex
CREATE INDEX "programme_funder_id_idx" ON "programme"("funder_id");

-- CreateIndex
CREATE INDEX "agreement_funder_id_status_idx" ON "agreement"("funder_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "note_url_key" ON "note"("url");

-- CreateIndex
CREATE INDEX "note_state_idx" ON "note"("state");

-- CreateIndex
CREATE INDEX "note_match_agreement_id_idx" ON "note_match"("agreement_id");

-- CreateIndex
CREATE INDEX "sync_run_status_idx" ON "sync_run"("status");

-- AddForeignKey
ALTER TABLE "note_match" ADD CONSTRAINT "note_match_note_id_fkey" FOREIGN KEY ("note_id") REFERENCES "note"("id") ON DELETE CASCADE ON UPDATE CASCADE;

