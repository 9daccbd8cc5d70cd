// `pnpm start`'s dashboard server refuses to show the API's data to the network without a token, as
// the API itself does; it says why and how, before building anything.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const serve = (env: Record<string, string>) => {
  const { API_TOKEN: _, TRAINQL_I_UNDERSTAND_ANYONE_CAN_TRAIN_ON_THIS_SERVER: __, ...rest } = process.env;
  return spawnSync(process.execPath, [path.resolve(import.meta.dirname, "../scripts/serve.mjs")], {
    env: { ...rest, ...env },
    encoding: "utf8",
    timeout: 20_000,
  });
};

describe("the dashboard's server", () => {
  it("refuses to listen beyond loopback without API_TOKEN, saying how to", () => {
    const refused = serve({ DASHBOARD_HOST: "0.0.0.0" });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/Refusing to serve the dashboard on 0\.0\.0\.0 without API_TOKEN/);
    expect(refused.stderr).toMatch(/TRAINQL_I_UNDERSTAND_ANYONE_CAN_TRAIN_ON_THIS_SERVER=1/);
  });
});
