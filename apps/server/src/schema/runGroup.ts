// RunGroup: one configuration trained over several seeds, summarised as mean ± std. The statistics
// are computed by PostgreSQL (avg and stddev_samp over the members' rows), so a client gets one curve
// and one band, however many members the group has.
import type { Db } from "@trainql/db";
import { CLASS_NAMES, NUM_CLASSES } from "@trainql/nn";
import { builder } from "./builder.ts";
import { notFound } from "./errors.ts";
import { uuidFrom } from "./ids.ts";

/** A mean and the sample standard deviation (n − 1 in the denominator: the seeds are a sample). */
interface MeanStd {
  mean: number | null;
  std: number | null;
  n: number;
}

interface EpochStats {
  epoch: number;
  iteration: number;
  valAcc: MeanStd;
  trainAcc: MeanStd;
  loss: MeanStd;
}

interface GroupStats {
  groupId: string;
  epochs: EpochStats[];
  finalValAcc: MeanStd;
  testAcc: MeanStd;
  members: number;
  failed: number;
  cancelled: number;
}

const MeanStdRef = builder.objectRef<MeanStd>("MeanStd").implement({
  description: "A mean over a group's members and its sample standard deviation (stddev_samp: divided by n − 1).",
  fields: (t) => ({
    mean: t.exposeFloat("mean", { nullable: true, description: "Null when no member has a value." }),
    std: t.exposeFloat("std", { nullable: true, description: "Sample standard deviation; null when n < 2." }),
    n: t.exposeInt("n", { description: "How many members the statistic is over." }),
  }),
});

const EpochStatsRef = builder.objectRef<EpochStats>("GroupEpochStats").implement({
  description:
    "The members' metrics at one epoch boundary, over the members that have reached it and did not fail or get cancelled (n says how many).",
  fields: (t) => ({
    epoch: t.exposeInt("epoch"),
    iteration: t.exposeInt("iteration"),
    valAcc: t.field({ type: MeanStdRef, resolve: (e) => e.valAcc }),
    trainAcc: t.field({ type: MeanStdRef, resolve: (e) => e.trainAcc }),
    loss: t.field({ type: MeanStdRef, resolve: (e) => e.loss }),
  }),
});

const GroupStatsRef = builder.objectRef<GroupStats>("RunGroupStats").implement({
  fields: (t) => ({
    epochs: t.field({
      type: [EpochStatsRef],
      resolve: (s) => s.epochs,
      description:
        "Per epoch, in order, over the members that reached the epoch, leaving out FAILED and CANCELLED ones (a diverged member's early epochs would make the mean jump and the band narrow where it stopped); members still training (QUEUED, RUNNING, PAUSED) count. Each statistic's n is how many members the epoch is over.",
    }),
    finalValAcc: t.field({
      type: MeanStdRef,
      resolve: (s) => s.finalValAcc,
      description:
        "Over the SUCCEEDED members. n < `members` when some did not succeed: a sweep ranks such a group after every complete one (see Sweep.groups).",
    }),
    testAcc: t.field({
      type: MeanStdRef,
      resolve: (s) => s.testAcc,
      description: "Over the members whose test accuracy has been evaluated (evaluateTest).",
    }),
    classValAcc: t.field({
      type: [ClassStatsRef],
      resolve: (s, _args, { db }) => classValAccStats(db, s.groupId),
      description:
        "Per class, in label order: the mean ± std over the SUCCEEDED members of the fraction of the class's validation images each got right (its row of Run.valConfusion), with the parameters it ended with. Which classes a configuration gets right whatever the seed, and which it gets by luck. n counts the members with a matrix (runs that ended before matrices were recorded have none).",
    }),
    members: t.exposeInt("members", { description: "How many members the group has, whatever their status." }),
    failed: t.exposeInt("failed", { description: "How many members FAILED (diverged or otherwise)." }),
    cancelled: t.exposeInt("cancelled", { description: "How many members were CANCELLED." }),
  }),
});

const ClassStatsRef = builder.objectRef<{ className: string; accuracy: MeanStd }>("ClassStats").implement({
  description: "A statistic of one class.",
  fields: (t) => ({
    className: t.exposeString("className", { description: "The class (ConfusionMatrix.classes)." }),
    accuracy: t.field({ type: MeanStdRef, resolve: (c) => c.accuracy }),
  }),
});

type Row = Record<string, number | null>;
const meanStd = (row: Row, name: string, n = `${name}N`): MeanStd => ({
  mean: row[`${name}Mean`] ?? null,
  std: row[`${name}Std`] ?? null,
  n: row[n] ?? 0,
});

/** The group's statistics, in two queries over the (groupId) index and EpochMetric's primary key. */
async function groupStats(db: Db, groupId: string): Promise<GroupStats> {
  // Without FAILED and CANCELLED members (why: the epochs field's description); live ones stay in.
  const epochs = await db.$queryRaw<Row[]>`
    SELECT e.epoch, min(e.iteration) AS iteration, count(*)::int AS n,
      avg(e."valAcc") AS "valAccMean", stddev_samp(e."valAcc") AS "valAccStd",
      avg(e."trainAcc") AS "trainAccMean", stddev_samp(e."trainAcc") AS "trainAccStd",
      avg(e.loss) AS "lossMean", stddev_samp(e.loss) AS "lossStd"
    FROM "EpochMetric" e JOIN "Run" r ON r.id = e."runId"
    WHERE r."groupId" = ${groupId}::uuid AND r.status NOT IN ('FAILED', 'CANCELLED')
    GROUP BY e.epoch ORDER BY e.epoch`;
  const [final = {}] = await db.$queryRaw<Row[]>`
    SELECT count(*)::int AS members,
      count(*) FILTER (WHERE status = 'FAILED')::int AS failed,
      count(*) FILTER (WHERE status = 'CANCELLED')::int AS cancelled,
      count("finalValAcc") FILTER (WHERE succeeded)::int AS "finalValAccN",
      avg("finalValAcc") FILTER (WHERE succeeded) AS "finalValAccMean",
      stddev_samp("finalValAcc") FILTER (WHERE succeeded) AS "finalValAccStd",
      count("testAcc") FILTER (WHERE succeeded)::int AS "testAccN",
      avg("testAcc") FILTER (WHERE succeeded) AS "testAccMean", stddev_samp("testAcc") FILTER (WHERE succeeded) AS "testAccStd"
    FROM (SELECT status, "finalValAcc", "testAcc", status = 'SUCCEEDED' AS succeeded
      FROM "Run" WHERE "groupId" = ${groupId}::uuid) member`;
  return {
    groupId,
    epochs: epochs.map((row) => ({
      epoch: row.epoch as number,
      iteration: row.iteration as number,
      valAcc: meanStd(row, "valAcc", "n"),
      trainAcc: meanStd(row, "trainAcc", "n"),
      loss: meanStd(row, "loss", "n"),
    })),
    finalValAcc: meanStd(final, "finalValAcc"),
    testAcc: meanStd(final, "testAcc"),
    members: final.members ?? 0,
    failed: final.failed ?? 0,
    cancelled: final.cancelled ?? 0,
  };
}

/**
 * Per class, the members' accuracies on it (their valConfusion row's diagonal over its sum; none for a
 * class without images), as mean ± std in SQL: the flat row-major matrix sliced a row at a time.
 */
async function classValAccStats(db: Db, groupId: string): Promise<{ className: string; accuracy: MeanStd }[]> {
  const k = NUM_CLASSES;
  const rows = await db.$queryRaw<Row[]>`
    SELECT c.class, count(c.acc)::int AS "accN", avg(c.acc) AS "accMean", stddev_samp(c.acc) AS "accStd"
    FROM "Run" r, LATERAL (
      SELECT t AS class, r."valConfusion"[t * ${k}::int + t + 1]::float8 / NULLIF(sum(v), 0) AS acc
      FROM generate_series(0, ${k - 1}::int) t,
        LATERAL unnest(r."valConfusion"[t * ${k}::int + 1 : (t + 1) * ${k}::int]) v
      GROUP BY t
    ) c
    WHERE r."groupId" = ${groupId}::uuid AND r.status = 'SUCCEEDED' AND cardinality(r."valConfusion") = ${k * k}::int
    GROUP BY c.class`;
  const byClass = new Map(rows.map((row) => [row.class, row]));
  return CLASS_NAMES.map((className, c) => ({ className, accuracy: meanStd(byClass.get(c) ?? {}, "acc") }));
}

builder.prismaNode("RunGroup", {
  id: { field: "id" },
  nullable: true,
  select: { id: true },
  description: "One configuration trained over several seeds (startRun with seeds, or a sweep trial with seeds).",
  fields: (t) => ({
    uuid: t.exposeString("id"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    sweepId: t.exposeID("sweepId", { nullable: true, description: "The sweep whose trial this group is." }),
    runs: t.relation("runs", {
      query: { orderBy: [{ seed: "asc" }, { id: "asc" }] },
      description: "The members, by seed.",
    }),
    stats: t.field({
      type: GroupStatsRef,
      description: "Per-epoch mean ± std of the members' curves, and of their final accuracies (computed in SQL).",
      resolve: (group, _args, { db }) => groupStats(db, group.id),
    }),
  }),
});

builder.queryFields((t) => ({
  runGroup: t.prismaField({
    type: "RunGroup",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, { id }, { db }) => {
      const group = await db.runGroup.findUnique({ ...query, where: { id: uuidFrom("RunGroup", String(id)) } });
      if (!group) throw notFound("run group", String(id));
      return group;
    },
  }),
}));
