-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "finalParametersIdentical" BOOLEAN;
