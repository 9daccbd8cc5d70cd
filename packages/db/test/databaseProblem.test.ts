// What `pnpm start` says when DATABASE_URL names a database it cannot open: the reason in words and
// what to do (it printed the driver's bare error as a stack trace), against real servers.
import { describe, expect, it } from "vitest";
import { databaseProblem, openDatabase } from "../src/database.ts";
import { readDatabaseEnv } from "../src/env.ts";

const server = process.env.DATABASE_URL;
const refusal = async (url: string) => {
  const error = await openDatabase(readDatabaseEnv({ DATABASE_URL: url }), () => {}).catch((e: unknown) => e);
  return databaseProblem(error, url);
};

describe("databaseProblem", () => {
  it("says nothing listens where nothing does", async () => {
    expect(await refusal("postgresql://postgres@127.0.0.1:1/trainql")).toBe(
      "nothing listens at 127.0.0.1:1: start PostgreSQL there, or unset DATABASE_URL for an embedded one",
    );
  });

  it.skipIf(!server)("names a database the server does not have, and the command that makes it", async () => {
    const url = new URL(server!);
    url.pathname = "/trainql_no_such_database";
    const port = url.port || "5432";
    expect(await refusal(url.href)).toBe(
      `PostgreSQL at ${url.hostname}:${port} has no database "trainql_no_such_database": create it (createdb -h ${url.hostname} -p ${port} -U ${decodeURIComponent(url.username) || "postgres"} trainql_no_such_database), or name another in DATABASE_URL`,
    );
  });
});
