// A server process must not die of one stray rejected promise (a library's cleanup failing while
// the database restarts, say): every path that matters handles its own errors; this logs the rest.
export function logUnhandledRejections(name: string): void {
  process.on("unhandledRejection", (reason) => {
    const message = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
    console.error(
      `[${name}] unhandled rejection (the process goes on): ${message.split("\n").slice(0, 3).join(" | ")}`,
    );
  });
}
