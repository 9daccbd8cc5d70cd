// The set-up step's decision: given what is missing and what this machine allows, install with apt,
// or stop with the exact command to run.
import { describe, expect, it } from "vitest";
import { CHROMIUM, type Machine, NEEDS, OPENBLAS, planInstall } from "./systemPackages.ts";

const root: Machine = { isRoot: true, passwordlessSudo: false, hasApt: true };
const user: Machine = { isRoot: false, passwordlessSudo: false, hasApt: true };

describe("planInstall", () => {
  it("does nothing when everything is there", () => {
    expect(planInstall([], user)).toEqual({ action: "nothing" });
  });

  it("installs what is missing with apt as root, after an update", () => {
    const plan = planInstall([OPENBLAS, CHROMIUM], root);
    expect(plan).toEqual({
      action: "install",
      packages: [OPENBLAS, CHROMIUM],
      commands: [
        ["apt-get", "update", "-qq"],
        [
          "env",
          "DEBIAN_FRONTEND=noninteractive",
          "apt-get",
          "install",
          "-y",
          "-qq",
          "libopenblas0-pthread",
          "chromium",
        ],
      ],
    });
  });

  it("goes through sudo -n when it asks no password", () => {
    const plan = planInstall([CHROMIUM], { ...user, passwordlessSudo: true });
    expect(plan.action === "install" && plan.commands.every((c) => c[0] === "sudo" && c[1] === "-n")).toBe(true);
  });

  it("otherwise names what is missing, why, and the exact command", () => {
    const plan = planInstall([OPENBLAS, CHROMIUM], user);
    expect(plan.action).toBe("ask");
    if (plan.action !== "ask") return;
    expect(plan.message).toMatch(/OpenBLAS: native matrix products/);
    expect(plan.message).toMatch(/Chromium: the browser the dashboard's browser tests drive/);
    expect(plan.message).toMatch(/sudo apt-get install -y libopenblas0-pthread chromium/);
  });

  it("without apt, points at the other package managers", () => {
    const plan = planInstall([OPENBLAS], { ...user, hasApt: false, isRoot: true });
    expect(plan.action === "ask" && plan.message).toMatch(/Fedora: dnf install openblas chromium; macOS: brew install/);
  });

  it("asks for Chromium only for the tests", () => {
    expect(NEEDS.start).toEqual([OPENBLAS]);
    expect(NEEDS.test).toEqual([OPENBLAS, CHROMIUM]);
  });
});
