// How our command-line programs end: usage errors print the usage and exit 2; other known errors
// print their message (no stack) and exit 1.
export class UsageError extends Error {
  override name = "UsageError";
}

export function runCli(main: (argv: string[]) => Promise<void>, usage: string): void {
  main(process.argv.slice(2).filter((a, i) => !(i === 0 && a === "--"))).then(
    () => process.exit(0),
    (error: unknown) => {
      if (error instanceof UsageError) {
        process.stderr.write(`error: ${error.message}\n\n${usage}\n`);
        process.exit(2);
      }
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      process.stderr.write(`error: ${message}\n`);
      process.exit(1);
    },
  );
}
