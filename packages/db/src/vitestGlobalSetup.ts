// Vitest globalSetup for any package whose tests need PostgreSQL: one server for the whole test run
// (inject("databaseUrl")); each file makes its own database in it (createTestDatabase).
import type { TestProject } from "vitest/node";
import { testPostgres } from "./testing.ts";

export default async function setup(project: TestProject) {
  const server = await testPostgres();
  project.provide("databaseUrl", server.url);
  return () => server.stop();
}
