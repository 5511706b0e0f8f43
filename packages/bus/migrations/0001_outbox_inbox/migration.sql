-- The outbox and inbox of @pc/bus, in the schema of the service that runs it (search_path).
-- IF NOT EXISTS: a database migrated before the bus owned these tables already has them, created
-- by the service's own migrations in exactly this shape; this file then changes nothing.

-- Events committed with a state change, until the relay has them confirmed by the broker.
CREATE TABLE IF NOT EXISTS "outbox" (
    "id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "subject" TEXT,
    "data" JSONB NOT NULL,
    "correlation_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_pkey" PRIMARY KEY ("id")
);

-- The relay's scan: rows not yet published, oldest first.
CREATE INDEX IF NOT EXISTS "outbox_pending_idx" ON "outbox"("published_at", "created_at");

-- One row per (consumer, message) handled, written in the handler's transaction: redeliveries are no-ops.
CREATE TABLE IF NOT EXISTS "inbox" (
    "consumer" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "inbox_pkey" PRIMARY KEY ("consumer","message_id")
);
