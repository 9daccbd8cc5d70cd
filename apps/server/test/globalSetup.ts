// One PostgreSQL for the whole test run; each file makes its own database in it.

import { testPostgres } from "@trainql/db/testing";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const server = await testPostgres();
  project.provide("databaseUrl", server.url);
  return () => server.stop();
}
