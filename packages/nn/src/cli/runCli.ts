// How our command-line programs read their flags and end: flags are parsed by the same schemas as
// the API's input, and a bad one is a usage error that names the flag; usage errors print the usage
// and exit 2; other known errors print their message (no stack) and exit 1.
import { type ParseArgsConfig, parseArgs } from "node:util";
import type { z } from "zod";
import { workersLoaded } from "../backend/loadingWorkers.ts";
import { type Problem, problemsOf, sentence } from "../validation/problems.ts";
import { integerAtLeast } from "../validation/rules.ts";
import { numberText } from "../validation/textInput.ts";

export class UsageError extends Error {
  override name = "UsageError";
}

/** `input` (flags' text, keyed as `schema` wants it) parsed, or a UsageError naming each bad flag by `flagOf`. */
export function parseFlags<S extends z.ZodType>(
  schema: S,
  input: unknown,
  flagOf: (problem: Problem) => string,
): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new UsageError(
    problemsOf(parsed.error.issues)
      .map((p) => sentence(p, flagOf(p)))
      .join("\n"),
  );
}

/** A flag that counts something (rounds, rows, processes): a whole number ≥ 1. */
export const countFlag = (flag: string, raw: string): number =>
  parseFlags(numberText(integerAtLeast(1)), raw, () => `--${flag}`);

/** Ends a program whose command line was wrong: the error, the usage, exit 2. */
function exitWithUsage(message: string, usage: string): never {
  process.stderr.write(`error: ${message}\n\n${usage}\n`);
  process.exit(2);
}

export function runCli(main: (argv: string[]) => Promise<void>, usage: string): void {
  main(process.argv.slice(2).filter((a, i) => !(i === 0 && a === "--")))
    // (Never exit while a worker loads a native addon: see loadingWorkers.ts.)
    .finally(workersLoaded)
    .then(
      () => process.exit(0),
      (error: unknown) => {
        if (error instanceof UsageError) exitWithUsage(error.message, usage);
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        process.stderr.write(`error: ${message}\n`);
        process.exit(1);
      },
    );
}

type Options = NonNullable<ParseArgsConfig["options"]>;
const HELP = { help: { type: "boolean", short: "h" } } as const;

/**
 * The flags of a script that runs from the top (a benchmark), with `-h/--help` printing `usage`; an
 * unknown flag, or a value `check` refuses (a UsageError), prints the error and the usage and exits 2,
 * rather than a stack trace.
 */
export function scriptFlags<const O extends Options, T>(
  options: O,
  usage: string,
  check: (values: ReturnType<typeof parseArgs<{ options: O & typeof HELP; strict: true }>>["values"]) => T,
): T {
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2).filter((a) => a !== "--"),
      options: { ...options, ...HELP },
      strict: true,
    });
    if ((values as { help?: boolean }).help) {
      console.log(usage);
      process.exit(0);
    }
    return check(values as Parameters<typeof check>[0]);
  } catch (error) {
    if (!(error instanceof UsageError) && !(error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) throw error;
    exitWithUsage((error as Error).message, usage);
  }
}
