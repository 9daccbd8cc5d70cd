-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "testError" TEXT;
