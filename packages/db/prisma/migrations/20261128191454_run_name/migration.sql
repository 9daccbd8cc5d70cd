-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "name" TEXT;
