// Fails when src/graphql-env.d.ts no longer matches apps/server/schema.graphql, so that a schema
// change that was printed but not regenerated fails lint instead of leaving every client typed
// against the old schema. It regenerates into a temporary file: a check must not write the tree.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const committed = path.join(root, "src/graphql-env.d.ts");
const dir = mkdtempSync(path.join(os.tmpdir(), "trainql-graphql-env-"));
try {
  // The extension matters: gql.tada writes the `.d.ts` format only to a `.d.ts` path.
  const fresh = path.join(dir, "graphql-env.d.ts");
  execFileSync(path.join(root, "node_modules/.bin/gql-tada"), ["generate-output", "--output", fresh], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (readFileSync(fresh, "utf8") !== readFileSync(committed, "utf8")) {
    console.error(
      `${path.relative(process.cwd(), committed)} is stale against apps/server/schema.graphql: ` +
        "run `pnpm --filter @trainql/graphql generate` and commit the result.",
    );
    process.exit(1);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
