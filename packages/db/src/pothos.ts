// What @pothos/plugin-prisma needs to build a GraphQL schema on this database: the datamodel and the
// types that prisma-pothos-types generates (see schema.prisma), adjusted to the client createDb returns.
import type { Run } from "./client.ts";
import type GeneratedPrismaTypes from "./generated/pothos.ts";

export { getDatamodel } from "./generated/pothos.ts";

/**
 * The generated types, but with a Run shaped as createDb's client returns it: without the weights
 * image, which it omits from every read (so that a resolver returning `db.run.findMany(...)` checks).
 */
export type PrismaTypes = Omit<GeneratedPrismaTypes, "Run"> & {
  Run: Omit<GeneratedPrismaTypes["Run"], "Shape"> & { Shape: Run };
};
