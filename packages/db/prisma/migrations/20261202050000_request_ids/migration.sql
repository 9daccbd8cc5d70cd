-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "requestFingerprint" TEXT,
ADD COLUMN     "requestId" TEXT;

-- AlterTable
ALTER TABLE "Sweep" ADD COLUMN     "queuedBy" TEXT,
ADD COLUMN     "requestFingerprint" TEXT,
ADD COLUMN     "requestId" TEXT;

-- CreateIndex
CREATE INDEX "Run_requestId_idx" ON "Run"("requestId");

-- CreateIndex
CREATE INDEX "Sweep_requestId_idx" ON "Sweep"("requestId");
