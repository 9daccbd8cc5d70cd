-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "divergedAtIteration" INTEGER;
