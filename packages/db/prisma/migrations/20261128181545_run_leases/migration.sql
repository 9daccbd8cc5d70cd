-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "cancelRequested" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "heartbeatAt" TIMESTAMP(3),
ADD COLUMN     "interruptions" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "jobId" BIGINT,
ADD COLUMN     "lease" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "Run_status_heartbeatAt_idx" ON "Run"("status", "heartbeatAt");
