-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "queuedBy" TEXT;
