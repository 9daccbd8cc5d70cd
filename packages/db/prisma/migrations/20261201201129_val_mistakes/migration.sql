-- CreateTable
CREATE TABLE "ValMistake" (
    "runId" UUID NOT NULL,
    "index" INTEGER NOT NULL,
    "trueClass" INTEGER NOT NULL,
    "predictedClass" INTEGER NOT NULL,
    "confidence" DOUBLE PRECISION NOT NULL,
    "png" BYTEA NOT NULL,

    CONSTRAINT "ValMistake_pkey" PRIMARY KEY ("runId","index")
);

-- AddForeignKey
ALTER TABLE "ValMistake" ADD CONSTRAINT "ValMistake_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A PNG does not compress: stored as it is (see 20261129163000_blob_storage_external).
ALTER TABLE "ValMistake" ALTER COLUMN "png" SET STORAGE EXTERNAL;
