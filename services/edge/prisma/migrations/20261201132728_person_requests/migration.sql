-- CreateTable
CREATE TABLE "person_request" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "email_pseudonym" TEXT NOT NULL,
    "email" TEXT,
    "expected" TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "person_request_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "person_request_answer" (
    "request_id" UUID NOT NULL,
    "service" TEXT NOT NULL,
    "answered_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "counts" JSONB,
    "parts" JSONB,

    CONSTRAINT "person_request_answer_pkey" PRIMARY KEY ("request_id","service")
);

-- CreateIndex
CREATE INDEX "person_request_email_pseudonym_idx" ON "person_request"("email_pseudonym");

