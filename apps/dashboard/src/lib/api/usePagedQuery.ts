// A list read page by page through a Relay connection (`first`/`after`, pageInfo), so that rows past
// the first page are one "Load more" away instead of silently left out. A refresh reads every page
// shown again, from the start: a list sorted by accuracy reorders as runs train, and pages refreshed
// apart would lose or repeat the rows that moved between them.
import type { CombinedError, DocumentInput } from "@urql/core";
import { useCallback, useEffect, useRef, useState } from "react";
import { useClient } from "urql";

interface Connection<Node> {
  edges: readonly { node: Node }[];
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

interface Paged<Node> {
  /** Undefined until the first page has come. */
  nodes: Node[] | undefined;
  /** Whether the API has rows after the last one shown. */
  hasMore: boolean;
  /** Reading for a new filter or for "Load more" (not for a refresh, which would flicker). */
  fetching: boolean;
  error: CombinedError | undefined;
  /** One more page. */
  loadMore: () => void;
  /** Every page shown, read again from the API. */
  refresh: () => void;
}

/** A read to make: how many pages, and whether the page shows that it is reading. */
type Job = { pages: number; shown: boolean };

/**
 * `variables` without first/after; a change of them (a filter, the order) starts again from one page.
 * `connectionOf` picks the connection out of a result.
 */
export function usePagedQuery<Data, Variables extends { first?: number | null; after?: string | null }, Node>(
  query: DocumentInput<Data, Variables>,
  variables: Omit<Variables, "first" | "after">,
  connectionOf: (data: Data) => Connection<Node>,
  pageSize: number,
): Paged<Node> {
  const client = useClient();
  const [state, setState] = useState<Omit<Paged<Node>, "loadMore" | "refresh"> & { pages: number }>({
    nodes: undefined,
    hasMore: false,
    fetching: false,
    error: undefined,
    pages: 1,
  });
  // The latest of everything a read needs, so that loadMore and refresh stay the same functions
  // (callers keep them in effects' dependencies) and always read with the current filters.
  const key = JSON.stringify(variables);
  const latest = useRef({ query, variables, connectionOf, pageSize, pages: state.pages });
  latest.current = { query, variables, connectionOf, pageSize, pages: state.pages };
  // One read at a time. A refresh asked for meanwhile waits for it and then runs once (`next`):
  // restarting the read instead, refreshes asked every 500 ms would never let a read of several
  // pages finish. Only new variables cut a read short (`generation`): its rows are for other filters.
  const generation = useRef(0);
  const reading = useRef(false);
  const next = useRef<Job | null>(null);

  const readPages = useCallback(
    async (pages: number, gen: number) => {
      const { query, variables, connectionOf, pageSize } = latest.current;
      const byId = new Map<unknown, Node>();
      let after: string | null = null;
      let hasMore = false;
      for (let page = 0; page < pages; page++) {
        const result = await client
          .query(query, { ...variables, first: pageSize, after } as Variables, { requestPolicy: "network-only" })
          .toPromise();
        if (gen !== generation.current) return undefined;
        if (result.error || !result.data) return { error: result.error };
        const connection = connectionOf(result.data);
        // Keyed by id: a run created between two pages' reads pushes the last row of one page to the
        // top of the next, where it would show twice.
        for (const { node } of connection.edges) byId.set((node as { id?: unknown }).id ?? node, node);
        hasMore = connection.pageInfo.hasNextPage;
        after = connection.pageInfo.endCursor ?? null;
        if (!hasMore || !after) break;
      }
      return { nodes: [...byId.values()], hasMore };
    },
    [client],
  );

  const run = useCallback(
    async (first: Job) => {
      const gen = ++generation.current;
      reading.current = true;
      let job: Job | null = first;
      try {
        while (job) {
          const { pages, shown }: Job = job;
          if (shown) setState((s) => ({ ...s, fetching: true }));
          const outcome = await readPages(pages, gen);
          if (!outcome) return; // cut short by new variables, whose read goes on
          if ("error" in outcome) setState((s) => ({ ...s, fetching: false, error: outcome.error }));
          else setState({ nodes: outcome.nodes, hasMore: outcome.hasMore, fetching: false, error: undefined, pages });
          // What was asked for while this read ran.
          job = next.current;
          next.current = null;
        }
      } finally {
        // (Unless a newer read owns the flag: one that throws must not leave every later request queued.)
        if (gen === generation.current) reading.current = false;
      }
    },
    [readPages],
  );

  const request = useCallback(
    (job: Job) => {
      if (!reading.current) return void run(job);
      const queued = next.current;
      next.current = queued ? { pages: Math.max(queued.pages, job.pages), shown: queued.shown || job.shown } : job;
    },
    [run],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` is the variables' value; they are read through `latest`.
  useEffect(() => {
    next.current = null;
    // New filters start from one page: a refresh or "Load more" asked before its answer counts from it.
    latest.current.pages = 1;
    void run({ pages: 1, shown: true });
  }, [run, key]);

  const loadMore = useCallback(() => request({ pages: latest.current.pages + 1, shown: true }), [request]);
  const refresh = useCallback(() => request({ pages: latest.current.pages, shown: false }), [request]);
  return {
    nodes: state.nodes,
    hasMore: state.hasMore,
    fetching: state.fetching,
    error: state.error,
    loadMore,
    refresh,
  };
}
