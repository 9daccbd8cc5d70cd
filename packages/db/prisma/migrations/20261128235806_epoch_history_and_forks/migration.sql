-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "forkedAtEpoch" INTEGER,
ADD COLUMN     "forkedFromId" UUID,
ADD COLUMN     "learningRateFromEpoch" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "WeightsImage" (
    "runId" UUID NOT NULL,
    "epoch" INTEGER NOT NULL,
    "png" BYTEA NOT NULL,

    CONSTRAINT "WeightsImage_pkey" PRIMARY KEY ("runId","epoch")
);

-- CreateTable
CREATE TABLE "EpochCheckpoint" (
    "runId" UUID NOT NULL,
    "epoch" INTEGER NOT NULL,
    "iteration" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "EpochCheckpoint_pkey" PRIMARY KEY ("runId","epoch")
);

-- CreateIndex
CREATE INDEX "Run_forkedFromId_idx" ON "Run"("forkedFromId");

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_forkedFromId_fkey" FOREIGN KEY ("forkedFromId") REFERENCES "Run"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WeightsImage" ADD CONSTRAINT "WeightsImage_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EpochCheckpoint" ADD CONSTRAINT "EpochCheckpoint_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
