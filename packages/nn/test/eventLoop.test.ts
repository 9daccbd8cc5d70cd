// The engine's turn for timers and I/O: a trainer's heartbeat is a timer, and a trainer goes on from
// database replies (I/O callbacks). One setImmediate from there ran before the loop came back to its
// timers, so the work after the "turn" joined the work before it (a large run's set-up and its first
// slice of steps held the heartbeat for 2 s).
import { readFile } from "node:fs/promises";
import { expect, it } from "vitest";
import { yieldToEventLoop } from "../src/training/eventLoop.ts";

/** Whether a timer that fell due during `busyMs` of work has run once the work yields. */
async function timerRanAtYield(busyMs: number): Promise<boolean> {
  let ran = false;
  setTimeout(() => {
    ran = true;
  }, 0);
  const until = performance.now() + busyMs;
  while (performance.now() < until); // work on this thread: the timer falls due meanwhile
  await yieldToEventLoop();
  return ran;
}

it("lets a timer that fell due run, going on from an I/O callback or from a timer", async () => {
  // From an I/O callback (the poll phase).
  await readFile(import.meta.filename);
  expect(await timerRanAtYield(5)).toBe(true);
  // From a timer (the timers phase).
  await new Promise((resolve) => setTimeout(resolve, 1));
  expect(await timerRanAtYield(5)).toBe(true);
});
