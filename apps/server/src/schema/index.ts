// The GraphQL schema: each file registers its types on the builder.
import { builder } from "./builder.ts";
import "./run.ts";
import "./mistakes.ts";
import "./runFork.ts";
import "./runEvents.ts";
import "./runGroup.ts";
import "./sweep.ts";
import "./system.ts";

export const schema = builder.toSchema({ sortSchema: false });
