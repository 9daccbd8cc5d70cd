"use client";
// A list that reads its rows again when runs change (runsChanged: any run created, deleted, or
// changed in status or progress), for lists whose rows are runs or made of runs (a sweep's trials).
import { graphql } from "@trainql/graphql";
import { useCallback, useEffect, useRef } from "react";
import { useSubscription } from "urql";
import { useOnReconnect } from "../Providers";

// A list reads its rows again at most this often while changes stream in (every loss flush and
// epoch of every training run sends one).
const REFRESH_MS = 500;
const POLL_MS = 5000;
const RUNS_CHANGED = graphql(`subscription RunsChanged { runsChanged { kind runId } }`);

/**
 * Calls `refresh` REFRESH_MS after the first change, and then at most every REFRESH_MS while changes
 * keep coming. A throttle, not a debounce: restarting the wait on each change never refreshed a list
 * whose runs send changes more often than that (every epoch).
 */
export function useRunsChanged(refresh: () => void) {
  const [changes] = useSubscription({ query: RUNS_CHANGED });
  const planned = useRef<ReturnType<typeof setTimeout> | null>(null);
  const refreshSoon = useCallback(() => {
    if (planned.current) return; // the read planned comes after this change, and sees it
    planned.current = setTimeout(() => {
      planned.current = null;
      refresh();
    }, REFRESH_MS);
  }, [refresh]);
  useEffect(
    () => () => {
      clearTimeout(planned.current ?? undefined);
      planned.current = null; // (a remount, React's strict mode or a hot reload, must plan again)
    },
    [],
  );
  useEffect(() => {
    if (changes.data) refreshSoon();
  }, [changes.data, refreshSoon]);
  // runsChanged sends only changes: what changed while the API was away comes from a new read.
  useOnReconnect(refreshSoon);
  // Refused (the API's cap on operations per connection: a comparison of 20 live runs holds them
  // all, and its run picker asks for one more), the list is read again every POLL_MS instead.
  useEffect(() => {
    if (!changes.error) return;
    const timer = setInterval(refresh, POLL_MS);
    return () => clearInterval(timer);
  }, [changes.error, refresh]);
}
