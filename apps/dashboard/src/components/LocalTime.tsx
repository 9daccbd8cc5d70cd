"use client";
// A moment (a run's or a sweep's creation) as every list shows it: in the reader's time zone and
// locale. The server knows neither (it would print its host's), so the server's HTML and the
// hydration print the UTC minute, the same on both sides, and the browser's own clock follows.
import { useHydrated } from "@/lib/useHydrated";

/** In the browser's time zone and locale; for text only the browser makes (a confirmation). */
export const localTime = (iso: string) => new Date(iso).toLocaleString();

/** "2025-03-04 12:34 UTC": what the server and the browser print alike. */
const utcMinute = (iso: string) => `${new Date(iso).toISOString().slice(0, 16).replace("T", " ")} UTC`;

export function LocalTime({ iso }: { iso: string }) {
  const hydrated = useHydrated();
  return <time dateTime={iso}>{hydrated ? localTime(iso) : utcMinute(iso)}</time>;
}
