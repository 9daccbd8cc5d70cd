// One PostgreSQL for the whole test run: DATABASE_URL when set (CI: the machine's server), else an
// embedded one. Each test file creates its own database in it (see harness.ts).
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../src/db/embeddedPostgres.ts";

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
  const pg = await startEmbeddedPostgres(dir, 54331);
  project.provide("databaseUrl", pg.url);
  return () => pg.stop();
}
