// `pnpm download-cifar`: fetch the official tarball, check its md5, extract the binary batches.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readdir, rename, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as tar from "tar";
import { DOWNLOAD_MD5, DOWNLOAD_URL, hasCifar10, TEST_FILE, TRAIN_FILES } from "./cifar10.ts";

export class DownloadError extends Error {
  override name = "DownloadError";
}

export interface DownloadOptions {
  /** Where the six .bin files end up. */
  dataDir: string;
  url?: string;
  md5?: string;
  onProgress?: (receivedBytes: number, totalBytes: number | undefined) => void;
}

export async function md5File(file: string): Promise<string> {
  const hash = createHash("md5");
  await pipeline(createReadStream(file), hash);
  return hash.digest("hex");
}

/**
 * Checks the tarball's md5, extracts it, and moves the batch files into `dataDir`.
 * Nothing is written to `dataDir` unless the md5 matches and every expected file is in the archive.
 */
export async function verifyAndExtract(tarball: string, dataDir: string, expectedMd5 = DOWNLOAD_MD5): Promise<void> {
  const actual = await md5File(tarball);
  if (actual !== expectedMd5) {
    throw new DownloadError(
      `${tarball} has md5 ${actual}, expected ${expectedMd5}: the download is corrupt or not the official CIFAR-10 binary tarball. Delete it and download again.`,
    );
  }
  const work = await mkdtemp(path.join(os.tmpdir(), "trainql-cifar-"));
  try {
    await tar.x({ file: tarball, cwd: work });
    const source = path.join(work, "cifar-10-batches-bin");
    const present = await readdir(source).catch(() => [] as string[]);
    const missing = [...TRAIN_FILES, TEST_FILE].filter((f) => !present.includes(f));
    if (missing.length > 0)
      throw new DownloadError(
        `${tarball} has no cifar-10-batches-bin/${missing.join(", ")}: not the CIFAR-10 binary version.`,
      );
    await mkdir(dataDir, { recursive: true });
    for (const f of present) {
      const target = path.join(dataDir, f);
      await rename(path.join(source, f), target).catch(async () => {
        // rename fails across file systems: copy instead, under another name until complete, so that
        // a copy cut off (a full disk, Ctrl-C) leaves no batch file that looks like one.
        const partial = `${target}.partial`;
        await pipeline(createReadStream(path.join(source, f)), createWriteStream(partial));
        await rename(partial, target);
      });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function downloadCifar10({
  dataDir,
  url = DOWNLOAD_URL,
  md5 = DOWNLOAD_MD5,
  onProgress,
}: DownloadOptions): Promise<"downloaded" | "present"> {
  if (hasCifar10(dataDir)) return "present";
  const work = await mkdtemp(path.join(os.tmpdir(), "trainql-download-"));
  const tarball = path.join(work, "cifar-10-binary.tar.gz");
  try {
    let response: Response;
    try {
      response = await fetch(url);
    } catch (error) {
      const cause =
        error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      throw new DownloadError(
        `Could not download ${url} (${cause}). Without internet, get cifar-10-binary.tar.gz (md5 ${md5}) elsewhere, ` +
          `extract it and put the files of its cifar-10-batches-bin folder (${[...TRAIN_FILES, TEST_FILE].join(", ")}) in ${dataDir}, ` +
          "or point CIFAR10_DIR / --data-dir at a folder that has them.",
      );
    }
    if (!response.ok || !response.body)
      throw new DownloadError(`Downloading ${url} failed: HTTP ${response.status} ${response.statusText}.`);
    const total = Number(response.headers.get("content-length")) || undefined;
    let received = 0;
    const progress = new Transform({
      transform(chunk: Buffer, _enc, done) {
        received += chunk.length;
        onProgress?.(received, total);
        done(null, chunk);
      },
    });
    await pipeline(
      Readable.fromWeb(response.body as import("node:stream/web").ReadableStream),
      progress,
      createWriteStream(tarball),
    );
    await verifyAndExtract(tarball, dataDir, md5);
    return "downloaded";
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
