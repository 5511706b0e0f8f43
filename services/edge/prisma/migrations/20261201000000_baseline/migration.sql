-- Baseline of the edge schema: its earlier migrations squashed into one when the outbox and inbox
-- moved to @pc/bus (packages/bus/migrations). The runner runs this file on a database that has none
-- of the migrations below, records it without running it on one that applied all of them (the
-- schema is then already in this state), and refuses a database that applied only some.
-- replaces 20261128172708_init 95331544667c5117439403419cc82b16c2b13fc6e4641f2d2b8e5c44acc0a26a
-- replaces 20261128182816_outbox_pending_index 08cbde870191b418f10a05beea819ab13145fcad78699c98b62eb7ada5a98dc6

-- CreateTable
CREATE TABLE "funder" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "locale" TEXT NOT NULL DEFAULT 'fr',
    "report_recipients" TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "funder_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_key" (
    "id" UUID NOT NULL,
    "role" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "funder_id" UUID,
    "funder_ids" UUID[],
    "grantee_id" UUID,
    "secret_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_key_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency" (
    "key_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "status" INTEGER,
    "content_type" TEXT,
    "body" BYTEA,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_pkey" PRIMARY KEY ("key_id","key")
);

