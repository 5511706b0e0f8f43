-- CreateTable
CREATE TABLE "erased_person" (
    "pseudonym" TEXT NOT NULL,
    "erased_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "erased_person_pkey" PRIMARY KEY ("pseudonym")
);

