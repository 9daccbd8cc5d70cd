// Downloads as plain HTTP GETs beside the weights image, so a browser link, curl or pandas.read_csv
// can fetch them:
//   /runs/:id/export.csv | .json     a run: hyperparameters, per-iteration losses, per-epoch metrics
//   /runs/:id/params.npz             its trained parameters (latest checkpoint) for NumPy
//   /compare/export.csv | .json?ids=a,b,…   several runs in one file
//   /sweeps/:id/trials.csv | .json   a sweep's trials, one row each
// Ids are UUIDs or the API's Run/Sweep IDs. A malformed id is 400 saying what is expected; an
// unknown one is 404 naming it.

import type { ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Db } from "@trainql/db";
import { MAX_COMPARE } from "@trainql/graphql/limits";
import { stringify } from "csv-stringify";
import { GraphQLError } from "graphql";
import { uuidFrom } from "../schema/ids.ts";
import { paramsNpz } from "./paramsNpz.ts";
import {
  RUN_CSV_COLUMNS,
  type RunRecord,
  readRuns,
  readTrials,
  runCsvRows,
  TRIAL_CSV_COLUMNS,
  trialCsvRows,
  withLosses,
} from "./runRecords.ts";

type Format = "csv" | "json";

export type Download =
  | { kind: "run"; id: string; format: Format }
  | { kind: "params"; id: string }
  | { kind: "compare"; format: Format }
  | { kind: "trials"; id: string; format: Format };

const ROUTES: [RegExp, (m: RegExpExecArray) => Download][] = [
  [/^\/runs\/([^/]+)\/export\.(csv|json)$/, (m) => ({ kind: "run", id: m[1] ?? "", format: m[2] as Format })],
  [/^\/runs\/([^/]+)\/params\.npz$/, (m) => ({ kind: "params", id: m[1] ?? "" })],
  [/^\/compare\/export\.(csv|json)$/, (m) => ({ kind: "compare", format: m[1] as Format })],
  [/^\/sweeps\/([^/]+)\/trials\.(csv|json)$/, (m) => ({ kind: "trials", id: m[1] ?? "", format: m[2] as Format })],
];

/** The download a path asks for, if it is one. */
export function matchDownload(pathname: string): Download | null {
  for (const [pattern, download] of ROUTES) {
    const match = pattern.exec(pathname);
    if (match) return download(match);
  }
  return null;
}

class HttpError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}

/** A Run or Sweep id from a URL: a UUID or an API ID, or 400 saying so. */
function idFrom(typename: "Run" | "Sweep", raw: string, field: string): string {
  try {
    return uuidFrom(typename, decodeURIComponent(raw), field);
  } catch (error) {
    if (error instanceof GraphQLError || error instanceof URIError) throw new HttpError(400, error.message);
    throw error;
  }
}

/** compare's `ids`: comma-separated and/or repeated, de-duplicated, 1 to MAX_COMPARE. */
function compareIds(url: URL): string[] {
  const given = url.searchParams
    .getAll("ids")
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
  if (given.length === 0) throw new HttpError(400, "ids must list the runs to export, e.g. ?ids=<uuid>,<uuid>");
  const ids = [...new Set(given.map((id) => idFrom("Run", id, "ids")))];
  if (ids.length > MAX_COMPARE)
    throw new HttpError(400, `ids may list at most ${MAX_COMPARE} runs; got ${ids.length}: export them in parts`);
  return ids;
}

const TYPES = { csv: "text/csv; charset=utf-8", json: "application/json; charset=utf-8" } as const;

function begin(res: ServerResponse, type: string, filename: string) {
  res.writeHead(200, {
    "content-type": type,
    "content-disposition": `attachment; filename="${filename}"`,
    "cache-control": "no-cache",
  });
}

async function sendCsv(
  res: ServerResponse,
  filename: string,
  columns: readonly string[],
  rows: Iterable<unknown[]> | AsyncIterable<unknown[]>,
) {
  begin(res, TYPES.csv, filename);
  // csv-stringify quotes whatever needs it (names and notes may hold commas, quotes, newlines).
  await pipeline(Readable.from(rows), stringify({ header: true, columns: [...columns] }), res);
}

function sendJson(res: ServerResponse, filename: string, value: unknown) {
  begin(res, TYPES.json, filename);
  res.end(JSON.stringify(value));
}

/** `{"runs":[…]}`, written a run at a time (each read just before it is written). */
async function sendJsonRuns(res: ServerResponse, filename: string, runs: AsyncIterable<RunRecord>) {
  begin(res, TYPES.json, filename);
  async function* parts() {
    yield '{"runs":[';
    let first = true;
    for await (const run of runs) {
      yield `${first ? "" : ","}${JSON.stringify(run)}`;
      first = false;
    }
    yield "]}";
  }
  await pipeline(Readable.from(parts()), res);
}

async function serve(db: Db, download: Download, url: URL, res: ServerResponse): Promise<void> {
  switch (download.kind) {
    case "run": {
      const id = idFrom("Run", download.id, "id");
      const { runs } = await readRuns(db, [id]);
      if (runs.length === 0) throw new HttpError(404, `run ${id} does not exist`);
      const filename = `run-${id}.${download.format}`;
      if (download.format === "json") {
        for await (const run of withLosses(db, runs)) sendJson(res, filename, run);
        return;
      }
      return sendCsv(res, filename, RUN_CSV_COLUMNS, runCsvRows(withLosses(db, runs)));
    }
    case "params": {
      const id = idFrom("Run", download.id, "id");
      const row = await db.run.findUnique({ where: { id }, select: { checkpoint: { select: { data: true } } } });
      if (!row) throw new HttpError(404, `run ${id} does not exist`);
      if (!row.checkpoint) throw new HttpError(404, `run ${id} has no trained parameters yet (no checkpoint)`);
      const { bytes, iteration } = paramsNpz(row.checkpoint.data);
      res.writeHead(200, {
        "content-type": "application/octet-stream",
        "content-disposition": `attachment; filename="run-${id}-params.npz"`,
        "x-checkpoint-iteration": String(iteration),
        "cache-control": "no-cache",
      });
      res.end(bytes);
      return;
    }
    case "compare": {
      const ids = compareIds(url);
      const { runs, missing } = await readRuns(db, ids);
      if (missing.length > 0) throw new HttpError(404, `run ${missing.join(", ")} does not exist`);
      const filename = `compare-${ids.length}-runs.${download.format}`;
      if (download.format === "json") return sendJsonRuns(res, filename, withLosses(db, runs));
      return sendCsv(res, filename, RUN_CSV_COLUMNS, runCsvRows(withLosses(db, runs)));
    }
    case "trials": {
      const id = idFrom("Sweep", download.id, "id");
      const trials = await readTrials(db, id);
      if (!trials) throw new HttpError(404, `sweep ${id} does not exist`);
      const filename = `sweep-${id}-trials.${download.format}`;
      if (download.format === "json") return sendJson(res, filename, { sweepId: id, trials });
      return sendCsv(res, filename, TRIAL_CSV_COLUMNS, trialCsvRows(trials));
    }
  }
}

/** Answers a download request: the file, or 400/404 with a message saying why not. */
export async function serveDownload(db: Db, download: Download, url: URL, res: ServerResponse): Promise<void> {
  try {
    await serve(db, download, url, res);
  } catch (error) {
    if (res.headersSent) {
      // Mid-stream: the client sees a truncated file rather than a complete-looking one.
      res.destroy(error as Error);
      return;
    }
    const status = error instanceof HttpError ? error.status : 500;
    const message = error instanceof HttpError ? error.message : "the export failed; see the API's log";
    if (status === 500) console.error(`download ${url.pathname}: ${(error as Error).message}`);
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(message);
  }
}
