// /runs/:id/mistakes/:index.png: one of a run's validation mistakes (ValMistake), the image as the
// trainer kept it, as an <img> tag asks for it (who may read it is app.ts's check, as for downloads).
// Served here rather than inlined in GraphQL answers: a list of runs stays small whatever it asks for.
import type { ServerResponse } from "node:http";
import type { Db } from "@trainql/db";

export const MISTAKE_PATH = /^\/runs\/([0-9a-f-]{36})\/mistakes\/(\d{1,9})\.png$/;

export const mistakeImagePath = (runId: string, index: number) => `/runs/${runId}/mistakes/${index}.png`;

export async function serveMistakeImage(db: Db, runId: string, index: number, res: ServerResponse): Promise<void> {
  const mistake = await db.valMistake
    .findUnique({ where: { runId_index: { runId, index } }, select: { png: true } })
    .catch(() => null);
  if (!mistake) {
    res
      .writeHead(404, { "content-type": "text/plain" })
      .end(`run ${runId} keeps no mistake at validation row ${index} (see Run.valMistakes)`);
    return;
  }
  // (A sweep trial paused at a rung keeps others once it ends: not cached.)
  res.writeHead(200, { "content-type": "image/png", "cache-control": "no-cache" }).end(mistake.png);
}
