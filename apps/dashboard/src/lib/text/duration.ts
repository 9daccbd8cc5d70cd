// How long a run took, or has been running, as its page prints it.

/**
 * From `start` to `end` (or `now`, while it runs): "42.0 s" under a minute, else whole minutes and
 * seconds. Rounded once, as a whole: rounding the seconds apart from the minutes printed 119.6 s as
 * "1 min 60 s" (and 59.96 s as "60.0 s").
 */
export function duration(start: string | null | undefined, end: string | null | undefined, now: number): string {
  if (!start) return "—";
  const ms = (end ? new Date(end).getTime() : now) - new Date(start).getTime();
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
