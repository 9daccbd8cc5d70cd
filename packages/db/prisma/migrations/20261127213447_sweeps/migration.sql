-- CreateEnum
CREATE TYPE "SweepStrategy" AS ENUM ('GRID', 'RANDOM', 'SUCCESSIVE_HALVING');

-- AlterEnum
ALTER TYPE "RunStatus" ADD VALUE 'STOPPED';

-- DropIndex
DROP INDEX "Sweep_createdAt_idx";

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "budgetIters" INTEGER;

-- AlterTable
ALTER TABLE "Sweep" ADD COLUMN     "bestRunId" UUID,
ADD COLUMN     "error" TEXT,
ADD COLUMN     "rung" INTEGER NOT NULL DEFAULT 0,
DROP COLUMN "strategy",
ADD COLUMN     "strategy" "SweepStrategy" NOT NULL;

-- CreateIndex
CREATE INDEX "Sweep_createdAt_id_idx" ON "Sweep"("createdAt" DESC, "id");
