-- AlterTable
ALTER TABLE "EpochMetric" ADD COLUMN     "recordedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "Trainer" ADD COLUMN     "memoryBytes" BIGINT;
