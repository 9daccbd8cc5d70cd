"use client";
// Seed groups kept current while their members train: the statistics are one query (SQL over the
// members' epochs), not a stream, so they are asked again every REFRESH_MS until no member is live.
import { graphql } from "@trainql/graphql";
import { useEffect, useState } from "react";
import { useClient } from "urql";
import { type Group, GroupFields } from "@/lib/groups/groups";
import { isLive } from "@/lib/types";
import { useApiErrorText } from "../Providers";

const GROUP = graphql(`query GroupLive($id: ID!) { runGroup(id: $id) { ...GroupFields } }`, [GroupFields]);

const REFRESH_MS = 2000;

/** The last read of the groups `ids` (their IDs, joined). */
interface Read {
  ids: string;
  groups: Group[];
  readAt: number;
  error: string | null;
}

/**
 * `initial`, refreshed while a member is queued or training, or while `alsoWhile` holds for them.
 * `readAt`: when the refresh that gave `groups` was sent (0: `initial`), to tell an answer from
 * before something was asked of the API from one after it.
 */
export function useLiveGroups(
  initial: Group[],
  alsoWhile: (groups: Group[]) => boolean = () => false,
): { groups: Group[]; error: string | null; readAt: number } {
  const client = useClient();
  const errorText = useApiErrorText();
  const ids = initial.map((g) => g.id).join(",");
  // Next keeps a component's state across a navigation that changes only the search params (Back, a
  // link from /compare?groups=a to ?groups=b): a read of other groups gives way to the new `initial`,
  // and one landing after such a navigation is dropped.
  const [read, setRead] = useState<Read>({ ids, groups: initial, readAt: 0, error: null });
  if (read.ids !== ids) setRead({ ids, groups: initial, readAt: 0, error: null });
  const { groups, readAt, error } = read;
  const waiting = alsoWhile(groups) || groups.some((g) => g.runs.some((r) => isLive(r.status)));

  useEffect(() => {
    if (!waiting) return;
    // One read at a time: a slow one overtaken by the next could land after it and roll the page back.
    let reading = false;
    const timer = setInterval(async () => {
      if (reading) return;
      reading = true;
      try {
        const sentAt = Date.now();
        const results = await Promise.all(
          ids.split(",").map((id) => client.query(GROUP, { id }, { requestPolicy: "network-only" }).toPromise()),
        );
        const failed = results.find((r) => r.error)?.error;
        const message = failed && errorText(failed);
        const groups = results.flatMap((r) => (r.data?.runGroup ? [r.data.runGroup] : []));
        setRead((r) =>
          r.ids !== ids ? r : message ? { ...r, error: message } : { ids, groups, readAt: sentAt, error: null },
        );
      } finally {
        reading = false;
      }
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [client, ids, waiting, errorText]);

  return { groups, error, readAt };
}
