// pnpm download-cifar [-- --data-dir DIR]
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { DOWNLOAD_URL, resolveDataDir } from "../data/cifar10.ts";
import { downloadCifar10 } from "../data/download.ts";
import { readEngineEnv } from "./env.ts";
import { runCli, UsageError } from "./runCli.ts";

const USAGE = `Usage: pnpm download-cifar -- [--data-dir DIR] [--url URL]

Downloads the CIFAR-10 binary version (${DOWNLOAD_URL}), checks its md5 and extracts it
to DIR (default: $CIFAR10_DIR, else ~/.cache/trainql/cifar-10-batches-bin).`;

async function main(argv: string[]): Promise<void> {
  let values: { "data-dir"?: string; url?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { "data-dir": { type: "string" }, url: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return void console.log(USAGE);
  const dataDir = resolveDataDir(values["data-dir"] ?? readEngineEnv().CIFAR10_DIR);
  const bar = new cliProgress.SingleBar(
    { format: "cifar-10-binary.tar.gz [{bar}] {percentage}% | {value}/{total} MB", hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const outcome = await downloadCifar10({
    dataDir,
    url: values.url,
    onProgress: (received, total) => {
      const mb = (b: number) => Math.round(b / 1e6);
      if (!started) bar.start(mb(total ?? 170e6), 0);
      started = true;
      bar.update(mb(received));
    },
  }).finally(() => started && bar.stop());
  console.log(
    outcome === "present"
      ? `CIFAR-10 is already in ${dataDir}`
      : `CIFAR-10 downloaded, verified and extracted to ${dataDir}`,
  );
}

runCli(main, USAGE);
