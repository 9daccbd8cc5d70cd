-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "requestFingerprint" TEXT,
ADD COLUMN     "requestId" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Run_requestId_key" ON "Run"("requestId");

-- AlterTable
ALTER TABLE "Sweep" ADD COLUMN     "requestFingerprint" TEXT,
ADD COLUMN     "requestId" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Sweep_requestId_key" ON "Sweep"("requestId");
