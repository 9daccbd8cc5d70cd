-- CreateTable
CREATE TABLE "BackendSpan" (
    "runId" UUID NOT NULL,
    "fromIteration" INTEGER NOT NULL,
    "backend" TEXT NOT NULL,
    "device" TEXT NOT NULL,

    CONSTRAINT "BackendSpan_pkey" PRIMARY KEY ("runId","fromIteration")
);

-- AddForeignKey
ALTER TABLE "BackendSpan" ADD CONSTRAINT "BackendSpan_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Runs from before kept only their latest backend: the best that is known is that it trained them all.
INSERT INTO "BackendSpan" ("runId", "fromIteration", "backend", "device")
SELECT "id", 0, "backend", COALESCE("device", '') FROM "Run" WHERE "backend" IS NOT NULL;
