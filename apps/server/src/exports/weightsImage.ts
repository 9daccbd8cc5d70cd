// /runs/:id/weights.png[?epoch=k]: a run's first-layer weights image, the latest or epoch k's, as an
// <img> tag asks for it (who may read it is app.ts's check, as for downloads).
import type { ServerResponse } from "node:http";
import type { Db } from "@trainql/db";
import { jsonError } from "../jsonError.ts";

export const WEIGHTS_PATH = /^\/runs\/([0-9a-f-]{36})\/weights\.png$/;

/**
 * The latest image (epoch null), or epoch k's: the latest one's, or one kept in the history; for an
 * epoch passed but no longer kept (thinned since a page listed it), where the latest is. The latest
 * image is in the history too (Run.weightsPng holds it only for nets too large to keep a history):
 * one statement, one snapshot, so the latest epoch and its image agree while the trainer thins.
 */
async function weightsPng(
  db: Db,
  id: string,
  epoch: number | null,
): Promise<{ png: Uint8Array } | { latest: number } | null> {
  const [run] = await db.$queryRaw<{ weightsEpoch: number | null; png: Uint8Array | null }[]>`
    SELECT r."weightsEpoch", coalesce(
        CASE WHEN ${epoch}::int IS NULL OR ${epoch}::int = r."weightsEpoch" THEN r."weightsPng" END,
        (SELECT w."png" FROM "WeightsImage" w WHERE w."runId" = r.id AND w."epoch" = coalesce(${epoch}::int, r."weightsEpoch"))
      ) AS "png"
    FROM "Run" r WHERE r.id = ${id}::uuid`;
  if (!run || run.weightsEpoch === null) return null;
  if (run.png) return { png: run.png };
  return epoch !== null && epoch < run.weightsEpoch ? { latest: run.weightsEpoch } : null;
}

export async function serveWeightsImage(db: Db, id: string, url: URL, res: ServerResponse): Promise<void> {
  // ?epoch=k: that epoch's image from the run's weights history; without it, the latest.
  const epochParam = url.searchParams.get("epoch");
  const epoch = epochParam === null ? null : Number(epochParam);
  if (epoch !== null && !(Number.isInteger(epoch) && epoch >= 0))
    return jsonError(res, 400, `epoch must be a whole number ≥ 0; got "${epochParam}"`, "BAD_USER_INPUT");
  const found = await weightsPng(db, id, epoch).catch(() => null);
  if (found && "latest" in found) {
    // A live page asked for an epoch thinned in the meantime: the newest image, not a broken one.
    const latest = new URL(url);
    latest.searchParams.set("epoch", String(found.latest));
    res.writeHead(302, { location: `${latest.pathname}${latest.search}`, "cache-control": "no-cache" }).end();
    return;
  }
  if (!found) {
    const which = epoch === null ? "" : ` at epoch ${epoch} (see Run.weightsEpochs for the epochs kept)`;
    res.writeHead(404, { "content-type": "text/plain" }).end(`no weights image for run ${id}${which}`);
    return;
  }
  res.writeHead(200, { "content-type": "image/png", "cache-control": "no-cache" }).end(found.png);
}
