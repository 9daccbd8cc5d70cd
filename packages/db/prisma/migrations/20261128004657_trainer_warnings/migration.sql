-- AlterTable
ALTER TABLE "Trainer" ADD COLUMN     "warnings" TEXT[] DEFAULT ARRAY[]::TEXT[];
