-- AlterTable
ALTER TABLE "Trainer" ADD COLUMN     "concurrency" INTEGER NOT NULL DEFAULT 1;
