"use client";
// Seed groups kept current while their members train: the statistics are one query (SQL over the
// members' epochs), not a stream, so they are asked again every REFRESH_MS until no member is live.
import { graphql } from "@trainql/graphql";
import { useEffect, useState } from "react";
import { useClient } from "urql";
import { type Group, GroupFields } from "@/lib/groups";
import { isLive } from "@/lib/types";

const GROUP = graphql(`query GroupLive($id: ID!) { runGroup(id: $id) { ...GroupFields } }`, [GroupFields]);

const REFRESH_MS = 2000;

/** `initial`, refreshed while a member is queued or training, or while `alsoWhile` holds for them. */
export function useLiveGroups(
  initial: Group[],
  alsoWhile: (groups: Group[]) => boolean = () => false,
): { groups: Group[]; error: string | null } {
  const client = useClient();
  const [groups, setGroups] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const waiting = alsoWhile(groups) || groups.some((g) => g.runs.some((r) => isLive(r.status)));
  const ids = initial.map((g) => g.id).join(",");

  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(async () => {
      const results = await Promise.all(
        ids.split(",").map((id) => client.query(GROUP, { id }, { requestPolicy: "network-only" }).toPromise()),
      );
      const failed = results.find((r) => r.error);
      if (failed?.error) return setError(failed.error.message);
      setGroups(results.flatMap((r) => (r.data?.runGroup ? [r.data.runGroup] : [])));
      setError(null);
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [client, ids, waiting]);

  return { groups, error };
}
