-- AlterTable
ALTER TABLE "Trainer" ADD COLUMN     "maxBufferBytes" BIGINT;
