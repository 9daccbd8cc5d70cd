-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "firstDifference" DOUBLE PRECISION,
ADD COLUMN     "firstDifferenceIteration" INTEGER,
ADD COLUMN     "groupId" UUID,
ADD COLUMN     "maxAbsDifference" DOUBLE PRECISION,
ADD COLUMN     "reproducedFromId" UUID,
ADD COLUMN     "reproducedIdentical" BOOLEAN;

-- CreateTable
CREATE TABLE "RunGroup" (
    "id" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sweepId" UUID,

    CONSTRAINT "RunGroup_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RunGroup_sweepId_createdAt_id_idx" ON "RunGroup"("sweepId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Run_groupId_idx" ON "Run"("groupId");

-- CreateIndex
CREATE INDEX "Run_reproducedFromId_idx" ON "Run"("reproducedFromId");

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "RunGroup"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_reproducedFromId_fkey" FOREIGN KEY ("reproducedFromId") REFERENCES "Run"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunGroup" ADD CONSTRAINT "RunGroup_sweepId_fkey" FOREIGN KEY ("sweepId") REFERENCES "Sweep"("id") ON DELETE CASCADE ON UPDATE CASCADE;
