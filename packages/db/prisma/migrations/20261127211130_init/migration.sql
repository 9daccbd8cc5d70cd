-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "RunStatus" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED');

-- CreateTable
CREATE TABLE "Run" (
    "id" UUID NOT NULL,
    "status" "RunStatus" NOT NULL DEFAULT 'QUEUED',
    "hiddenSize" INTEGER NOT NULL,
    "learningRate" DOUBLE PRECISION NOT NULL,
    "learningRateDecay" DOUBLE PRECISION NOT NULL,
    "reg" DOUBLE PRECISION NOT NULL,
    "batchSize" INTEGER NOT NULL,
    "numIters" INTEGER NOT NULL,
    "weightScale" DOUBLE PRECISION NOT NULL,
    "seed" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "iteration" INTEGER NOT NULL DEFAULT 0,
    "trainerId" TEXT,
    "backend" TEXT,
    "device" TEXT,
    "finalValAcc" DOUBLE PRECISION,
    "bestValAcc" DOUBLE PRECISION,
    "testAcc" DOUBLE PRECISION,
    "error" TEXT,
    "weightsPng" BYTEA,
    "weightsEpoch" INTEGER,
    "sweepId" UUID,

    CONSTRAINT "Run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EpochMetric" (
    "runId" UUID NOT NULL,
    "epoch" INTEGER NOT NULL,
    "iteration" INTEGER NOT NULL,
    "loss" DOUBLE PRECISION NOT NULL,
    "trainAcc" DOUBLE PRECISION NOT NULL,
    "valAcc" DOUBLE PRECISION NOT NULL,
    "learningRate" DOUBLE PRECISION NOT NULL,
    "elapsedMs" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "EpochMetric_pkey" PRIMARY KEY ("runId","epoch")
);

-- CreateTable
CREATE TABLE "LossChunk" (
    "runId" UUID NOT NULL,
    "chunk" INTEGER NOT NULL,
    "count" INTEGER NOT NULL,
    "losses" BYTEA NOT NULL,

    CONSTRAINT "LossChunk_pkey" PRIMARY KEY ("runId","chunk")
);

-- CreateTable
CREATE TABLE "Checkpoint" (
    "runId" UUID NOT NULL,
    "iteration" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Checkpoint_pkey" PRIMARY KEY ("runId")
);

-- CreateTable
CREATE TABLE "Sweep" (
    "id" UUID NOT NULL,
    "status" "RunStatus" NOT NULL DEFAULT 'QUEUED',
    "strategy" TEXT NOT NULL,
    "config" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Sweep_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Trainer" (
    "id" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "backend" TEXT NOT NULL,
    "device" TEXT NOT NULL,
    "backendVersion" TEXT NOT NULL,
    "datasetDir" TEXT,
    "numTrain" INTEGER,
    "numVal" INTEGER,
    "numTest" INTEGER,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Trainer_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Run_createdAt_id_idx" ON "Run"("createdAt" DESC, "id");

-- CreateIndex
CREATE INDEX "Run_status_createdAt_idx" ON "Run"("status", "createdAt" DESC);

-- CreateIndex
CREATE INDEX "Run_bestValAcc_idx" ON "Run"("bestValAcc" DESC);

-- CreateIndex
CREATE INDEX "Run_sweepId_idx" ON "Run"("sweepId");

-- CreateIndex
CREATE INDEX "Sweep_createdAt_idx" ON "Sweep"("createdAt" DESC);

-- CreateIndex
CREATE INDEX "Trainer_lastSeenAt_idx" ON "Trainer"("lastSeenAt" DESC);

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_sweepId_fkey" FOREIGN KEY ("sweepId") REFERENCES "Sweep"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EpochMetric" ADD CONSTRAINT "EpochMetric_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LossChunk" ADD CONSTRAINT "LossChunk_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Checkpoint" ADD CONSTRAINT "Checkpoint_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
