-- CreateTable
CREATE TABLE "run" (
    "run_id" UUID NOT NULL,
    "expected" INTEGER NOT NULL,
    "as_of" TEXT NOT NULL,
    "closed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "digested_at" TIMESTAMPTZ(3),

    CONSTRAINT "run_pkey" PRIMARY KEY ("run_id")
);

