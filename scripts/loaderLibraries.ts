// Which shared libraries the dynamic loader knows: what `ldconfig -p` lists (its cache, readable by
// anyone). Found by its full path too: ldconfig lives in /usr/sbin, which a non-root user's PATH on
// Debian does not hold, and every library looked missing to `pnpm test`, even once installed.
import { execFileSync } from "node:child_process";

const LDCONFIG = ["ldconfig", "/usr/sbin/ldconfig", "/sbin/ldconfig"];

/** Whether a library named `soname` (e.g. libopenblas.so.0) is in the loader's cache; false without ldconfig (not Linux). */
export function loaderKnows(soname: string, env: NodeJS.ProcessEnv = process.env): boolean {
  for (const ldconfig of LDCONFIG) {
    let listed: string;
    try {
      listed = execFileSync(ldconfig, ["-p"], { encoding: "utf8", env, stdio: ["ignore", "pipe", "ignore"] });
    } catch {
      continue;
    }
    return listed.split("\n").some((line) => line.trim().startsWith(`${soname} `));
  }
  return false;
}
