// What TrainQL needs from the operating system, and what to do about what is missing: install it
// with apt when this machine allows it without a prompt (root, or sudo that asks no password), or
// else say exactly which command to run. Pure: the caller looks at the machine, this decides.

export interface SystemPackage {
  /** What a person calls it. */
  name: string;
  /** Debian's and Ubuntu's package. */
  debian: string;
  /** What it is for, said when it is missing. */
  why: string;
}

export const OPENBLAS: SystemPackage = {
  name: "OpenBLAS",
  debian: "libopenblas0-pthread",
  why: "native matrix products for training on CPU (without it training works, 4-8× slower)",
};
export const CHROMIUM: SystemPackage = {
  name: "Chromium",
  debian: "chromium",
  why: "the browser the dashboard's browser tests drive (Playwright never downloads one)",
};

/** What each command needs. `start` works without OpenBLAS (slower, and says so); the tests do not. */
export const NEEDS = { start: [OPENBLAS], test: [OPENBLAS, CHROMIUM] } as const;
export type Purpose = keyof typeof NEEDS;

export interface Machine {
  isRoot: boolean;
  /** `sudo -n true` succeeds: sudo without a password prompt. */
  passwordlessSudo: boolean;
  hasApt: boolean;
}

export type Plan =
  | { action: "nothing" }
  | { action: "install"; packages: SystemPackage[]; commands: string[][] }
  | { action: "ask"; packages: SystemPackage[]; message: string };

/** The apt command lines that install `packages`, as root or through sudo. */
function aptCommands(packages: SystemPackage[], sudo: boolean): string[][] {
  const prefix = sudo ? ["sudo", "-n"] : [];
  return [
    [...prefix, "apt-get", "update", "-qq"],
    [
      ...prefix,
      "env",
      "DEBIAN_FRONTEND=noninteractive",
      "apt-get",
      "install",
      "-y",
      "-qq",
      ...packages.map((p) => p.debian),
    ],
  ];
}

export function planInstall(missing: SystemPackage[], machine: Machine): Plan {
  if (missing.length === 0) return { action: "nothing" };
  if (machine.hasApt && (machine.isRoot || machine.passwordlessSudo))
    return { action: "install", packages: missing, commands: aptCommands(missing, !machine.isRoot) };
  const list = missing.map((p) => `  - ${p.name}: ${p.why}`).join("\n");
  const debian = missing.map((p) => p.debian).join(" ");
  const how = machine.hasApt
    ? `Install ${missing.length > 1 ? "them" : "it"} (needs root): sudo apt-get install -y ${debian}`
    : `Install ${missing.length > 1 ? "them" : "it"} with your system's package manager (Debian/Ubuntu: apt-get install -y ${debian}; ` +
      `Fedora: dnf install openblas chromium; macOS: brew install openblas chromium), then run this again.`;
  return { action: "ask", packages: missing, message: `Missing from this machine:\n${list}\n${how}` };
}
