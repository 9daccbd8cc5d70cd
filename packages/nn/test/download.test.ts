import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import * as tar from "tar";
import { describe, expect, it } from "vitest";
import { tempDir } from "./fixtures.ts";
import { DownloadError, downloadCifar10, TEST_FILE, TRAIN_FILES, verifyAndExtract } from "./nn.ts";

/** A small tarball shaped like cifar-10-binary.tar.gz, and its md5. */
async function makeTarball(files = [...TRAIN_FILES, TEST_FILE, "batches.meta.txt"]) {
  const root = await tempDir();
  await mkdir(path.join(root, "cifar-10-batches-bin"));
  for (const f of files) await writeFile(path.join(root, "cifar-10-batches-bin", f), `contents of ${f}`);
  const tarball = path.join(root, "cifar-10-binary.tar.gz");
  await tar.c({ gzip: true, file: tarball, cwd: root }, ["cifar-10-batches-bin"]);
  const md5 = createHash("md5")
    .update(await readFile(tarball))
    .digest("hex");
  return { tarball, md5 };
}

describe("download-cifar", () => {
  it("verifies the md5 and extracts the batch files into the data directory", async () => {
    const { tarball, md5 } = await makeTarball();
    const dataDir = path.join(await tempDir(), "nested", "cifar");
    await verifyAndExtract(tarball, dataDir, md5);
    expect((await readdir(dataDir)).sort()).toEqual([...TRAIN_FILES, TEST_FILE, "batches.meta.txt"].sort());
    expect(await readFile(path.join(dataDir, "data_batch_2.bin"), "utf8")).toBe("contents of data_batch_2.bin");
  });

  it("refuses a tarball whose md5 differs, writing nothing", async () => {
    const { tarball } = await makeTarball();
    const dataDir = path.join(await tempDir(), "cifar");
    await expect(verifyAndExtract(tarball, dataDir, "0".repeat(32))).rejects.toThrow(
      /has md5 [0-9a-f]{32}, expected 0{32}/,
    );
    expect(existsSync(dataDir)).toBe(false);
  });

  it("refuses an archive without the batch files", async () => {
    const { tarball, md5 } = await makeTarball(["data_batch_1.bin"]);
    const dataDir = path.join(await tempDir(), "cifar");
    await expect(verifyAndExtract(tarball, dataDir, md5)).rejects.toThrow(/no cifar-10-batches-bin\/data_batch_2\.bin/);
    expect(existsSync(dataDir)).toBe(false);
  });

  it("takes batch files of the wrong size (a copy cut off) for no data set, and downloads again", async () => {
    const dataDir = await tempDir();
    const offline = { dataDir, url: "http://127.0.0.1:9/cifar-10-binary.tar.gz" };
    const files = [...TRAIN_FILES, TEST_FILE];
    // Full size (sparse files, written in no time): there, nothing to download.
    for (const f of files) {
      await writeFile(path.join(dataDir, f), "");
      await truncate(path.join(dataDir, f), 10_000 * 3073);
    }
    expect(await downloadCifar10(offline)).toBe("present");
    // The last one cut off: it tries to download (and, offline, says so).
    await truncate(path.join(dataDir, TEST_FILE), 5_000 * 3073);
    await expect(downloadCifar10(offline)).rejects.toThrow(DownloadError);
  });

  it("fails offline with a message that says where to put the files", async () => {
    const dataDir = path.join(await tempDir(), "cifar");
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    const error = await downloadCifar10({ dataDir, url: "http://127.0.0.1:9/cifar-10-binary.tar.gz" }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as Error).message).toContain(`in ${dataDir}`);
    expect((error as Error).message).toContain("data_batch_1.bin");
  });
});
