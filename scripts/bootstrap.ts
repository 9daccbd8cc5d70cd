// `pnpm bootstrap [start|test]` (run by `pnpm start` and `pnpm test` first): installs the system
// packages that command needs when they are missing and this machine allows it, or else stops with
// the exact command to run — once, up front, rather than as failures deep in the test suite.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { loaderKnows } from "./loaderLibraries.ts";
import {
  CHROMIUM,
  type Machine,
  NEEDS,
  OPENBLAS,
  type Purpose,
  planInstall,
  type SystemPackage,
} from "./systemPackages.ts";

const purpose = (process.argv[2] ?? "test") as Purpose;
if (!(purpose in NEEDS)) {
  console.error(`usage: pnpm bootstrap [${Object.keys(NEEDS).join("|")}]`);
  process.exit(2);
}

const succeeds = (command: string, args: string[]) => spawnSync(command, args, { stdio: "ignore" }).status === 0;

function present(pkg: SystemPackage): boolean {
  if (pkg === OPENBLAS) {
    if (process.env.TRAINQL_BLAS && process.env.TRAINQL_BLAS !== "off") return existsSync(process.env.TRAINQL_BLAS);
    // (Without ldconfig, not Linux: the trainer looks for the library itself and says so.)
    return loaderKnows("libopenblas.so.0");
  }
  if (pkg === CHROMIUM) return existsSync(process.env.CHROMIUM_PATH ?? "/usr/bin/chromium");
  return false;
}

const machine: Machine = {
  isRoot: process.getuid?.() === 0,
  passwordlessSudo: succeeds("sudo", ["-n", "true"]),
  hasApt: succeeds("sh", ["-c", "command -v apt-get"]),
};
const missing = NEEDS[purpose].filter((pkg) => !present(pkg));
const plan = planInstall(missing, machine);

if (plan.action === "install") {
  console.log(`Installing ${plan.packages.map((p) => `${p.name} (${p.debian})`).join(" and ")} with apt-get…`);
  for (const command of plan.commands) {
    const [bin, ...args] = command as [string, ...string[]];
    const result = spawnSync(bin, args, { stdio: "inherit" });
    if (result.status !== 0) {
      const failed = `\`${command.join(" ")}\` failed (exit ${result.status}); install ${plan.packages.map((p) => p.debian).join(" ")} by hand.`;
      // (As when it cannot install: everything works without OpenBLAS, only slower.)
      if (purpose === "start") {
        console.warn(`${failed}\nStarting anyway.`);
        break;
      }
      console.error(failed);
      process.exit(1);
    }
  }
} else if (plan.action === "ask") {
  if (purpose === "start") {
    // Everything works without OpenBLAS, only slower: say so and go on.
    console.warn(`${plan.message}\nStarting anyway.`);
  } else {
    console.error(`${plan.message}\n(\`pnpm ${purpose}\` stops here rather than fail test by test.)`);
    process.exit(1);
  }
}
