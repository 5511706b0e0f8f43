-- CreateTable
CREATE TABLE "host_budget" (
    "host" TEXT NOT NULL,
    "next_at" TIMESTAMPTZ(6) NOT NULL,
    "paused_until" TIMESTAMPTZ(6),

    CONSTRAINT "host_budget_pkey" PRIMARY KEY ("host")
);

