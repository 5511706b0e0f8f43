-- What lets a job's worker know it has consumed every event accepted before the job (watermarks):
-- each outbox row gets a number in insertion order, carried by its message (CloudEvents `sequence`),
-- and each inbox row remembers the producing service, that number and the type.

-- The row number. Existing rows are numbered too; the horizon below starts above them, since
-- the messages already consumed were recorded without it.
ALTER TABLE "outbox" ADD COLUMN "seq" BIGSERIAL NOT NULL;
CREATE UNIQUE INDEX "outbox_seq_key" ON "outbox"("seq");

-- The purge deletes published rows after a retention: every row numbered above `purged_through` is
-- still here, so counts are only ever compared above it (one row, raised by each purge).
CREATE TABLE "outbox_horizon" (
    "singleton" BOOLEAN NOT NULL DEFAULT true,
    "purged_through" BIGINT NOT NULL,

    CONSTRAINT "outbox_horizon_pkey" PRIMARY KEY ("singleton"),
    CONSTRAINT "outbox_horizon_singleton" CHECK ("singleton")
);
INSERT INTO "outbox_horizon" ("purged_through") SELECT COALESCE(max("seq"), 0) FROM "outbox";

-- Who produced a consumed message, its outbox row number and its type (null for messages without a
-- number: consumed before this migration, or published by hand).
ALTER TABLE "inbox" ADD COLUMN "source" TEXT;
ALTER TABLE "inbox" ADD COLUMN "seq" BIGINT;
ALTER TABLE "inbox" ADD COLUMN "type" TEXT;
CREATE INDEX "inbox_source_seq_idx" ON "inbox"("consumer", "source", "seq") WHERE "seq" IS NOT NULL;

-- Work that waits until this service has consumed what its producers had committed (a job received,
-- a reminder run to digest): one row per piece of work, until it is caught up or gives up.
CREATE TABLE "catch_up" (
    "id" UUID NOT NULL,
    -- which gate of the service holds it (evaluate, praxis_sync, reports, digest…)
    "gate" TEXT NOT NULL,
    -- what to do once caught up (e.g. the job.requested payload)
    "request" JSONB NOT NULL,
    "since" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    -- per producer: the watermark taken at the first check, and the floor counts start above
    "marks" JSONB NOT NULL DEFAULT '{}',
    -- the last "waiting" report: what was still to be consumed, and when it was reported
    "waiting_for" JSONB NOT NULL DEFAULT '[]',
    "reported_at" TIMESTAMPTZ(3),
    "reports" INTEGER NOT NULL DEFAULT 0,
    -- caught_up | timed_out, once decided
    "outcome" TEXT,
    "done_at" TIMESTAMPTZ(3),

    CONSTRAINT "catch_up_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "catch_up_open_idx" ON "catch_up"("gate", "since") WHERE "done_at" IS NULL;
