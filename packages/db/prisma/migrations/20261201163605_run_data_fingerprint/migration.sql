-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "dataFingerprint" TEXT,
ADD COLUMN     "numTrain" INTEGER,
ADD COLUMN     "numVal" INTEGER;

-- AlterTable
ALTER TABLE "Trainer" ADD COLUMN     "dataFingerprint" TEXT;
