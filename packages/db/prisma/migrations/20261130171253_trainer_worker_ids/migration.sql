-- AlterTable
ALTER TABLE "Trainer" ADD COLUMN     "workerIds" TEXT[] DEFAULT ARRAY[]::TEXT[];
