-- Parameters (float32) and PNGs (already deflated) do not compress: PostgreSQL's pglz tried anyway on
-- every write and gave up, 30 ms of the database's CPU per 1.6 MB checkpoint, a core that a trainer's
-- matrix products share. EXTERNAL stores them out of line as they are (measured: 62 → 30 ms a write).
ALTER TABLE "Checkpoint" ALTER COLUMN "data" SET STORAGE EXTERNAL;
ALTER TABLE "EpochCheckpoint" ALTER COLUMN "data" SET STORAGE EXTERNAL;
ALTER TABLE "WeightsImage" ALTER COLUMN "png" SET STORAGE EXTERNAL;
ALTER TABLE "Run" ALTER COLUMN "weightsPng" SET STORAGE EXTERNAL;
