// The API serves GraphQL; it must not pay for TensorFlow.js, WebGPU or native BLAS (hundreds of MB,
// native code that can crash a process) — those are the trainer's. This loads the API's whole module
// graph in a fresh process, as main.ts does, and lists what got loaded.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";

const serverRoot = path.resolve(import.meta.dirname, "..");

function modulesLoadedBy(entry: string): string[] {
  const out = execFileSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "--import",
      "./test/fixtures/recordModules.mjs",
      "-e",
      `await import(${JSON.stringify(entry)}); await import("./src/schema/index.ts");`,
    ],
    { cwd: serverRoot, encoding: "utf8", env: { ...process.env, NODE_NO_WARNINGS: "1" } },
  );
  const line = out.split("\n").find((l) => l.startsWith("LOADED "));
  return JSON.parse(line?.slice("LOADED ".length) ?? "[]");
}

it("the API process loads no TensorFlow.js, WebGPU or native BLAS binding", () => {
  const loaded = modulesLoadedBy("./src/app.ts");
  expect(loaded.some((url) => url.includes("/packages/runs/"))).toBe(true); // the hook saw the graph
  expect(loaded.some((url) => url.includes("/packages/nn/src/index.ts"))).toBe(true);
  const heavy = loaded.filter((url) =>
    /@tensorflow|\/koffi|\/webgpu@|\/nn\/src\/(engine|model\/|training\/train|backend\/(backend|openBlas|webgpu)\.ts)/.test(
      url,
    ),
  );
  expect(heavy).toEqual([]);
});

it("the hook does see TensorFlow.js where it is loaded (the trainer)", () => {
  const loaded = modulesLoadedBy("@trainql/trainer");
  expect(loaded.some((url) => url.includes("@tensorflow"))).toBe(true);
});
