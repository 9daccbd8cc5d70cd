-- DropIndex
DROP INDEX "Run_createdAt_id_idx";

-- DropIndex
DROP INDEX "Run_status_createdAt_idx";

-- DropIndex
DROP INDEX "Run_sweepId_idx";

-- DropIndex
DROP INDEX "Sweep_createdAt_id_idx";

-- CreateIndex
CREATE INDEX "Run_createdAt_id_idx" ON "Run"("createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "Run_status_createdAt_id_idx" ON "Run"("status", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "Run_sweepId_createdAt_id_idx" ON "Run"("sweepId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Sweep_createdAt_id_idx" ON "Sweep"("createdAt" DESC, "id" DESC);
