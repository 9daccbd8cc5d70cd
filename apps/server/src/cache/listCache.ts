// The runs list, answered from memory between changes (issue 15). List pages and scripts ask for
// `runs` far more often than runs change: 200 queries a second against an epoch a second in `pnpm
// bench:api`. Executing one costs the API about 1 ms of CPU in Prisma, Pothos and pg, and the
// database a round trip; answering from memory costs neither.
//
// An answer is kept until anything that could change it may have happened:
// - a `trainql:runs` notification: every write to a run that a list shows sends one, from any process
//   (the runsChanged subscription is built on the same notices), and a RESYNC after missed ones;
// - a mutation ending in this process, before its response is sent, so its caller reads its write;
// - its age reaching `ttlMs`: the bound on staleness for a write that sends no notice (a run's newest
//   weights image, say), and for the moment a dropped LISTEN connection is down.
// An execution that began before an invalidation is answered but not kept (generations), so a read
// racing a write cannot keep the old rows after the write's notice.
//
// Only queries whose every root field is in `rootFields`, with no errors, are kept. Answers are kept
// per viewer (as shared subscription streams are): callers whom access control treats differently
// never share one, and this plugin goes after access control, which stops an operation first.

import { type DocumentNode, type ExecutionResult, getOperationAST, Kind } from "graphql";
import type { Plugin } from "graphql-yoga";

export interface ListCacheOptions<C> {
  /** The root fields whose answers may be kept: each must be covered by the invalidations above. */
  rootFields: readonly string[];
  /** What of the caller an answer may depend on (see useRunEventFanout's `viewer`). */
  viewer: (context: C) => string;
  /** How long an answer is kept at most, in ms. */
  ttlMs: number;
  /**
   * The most answers kept at once: past it, all are dropped (each lives a second at most anyway), so
   * callers asking with ever new variables cannot make the API hold many large pages.
   */
  maxKept?: number;
}

export interface ListCacheMetrics {
  hits: number;
  misses: number;
  invalidations: number;
}

interface Kept {
  result: ExecutionResult;
  at: number;
}

export interface ListCache<C extends object> {
  plugin: Plugin<C>;
  /** Forgets every answer, and keeps none from an execution already under way. */
  invalidate(): void;
  /** Until called, nothing is kept: invalidations may be missed before LISTEN takes effect. */
  enable(): void;
  readonly metrics: ListCacheMetrics;
  /** Answers kept now. */
  size(): number;
}

export function createListCache<C extends object>({
  rootFields,
  viewer,
  ttlMs,
  maxKept = 256,
}: ListCacheOptions<C>): ListCache<C> {
  const cacheable = new Set(rootFields);
  const metrics: ListCacheMetrics = { hits: 0, misses: 0, invalidations: 0 };
  /** Per parsed document (yoga reuses the object for the same text), per operation, viewer and variables. */
  let kept = new WeakMap<DocumentNode, Map<string, Kept>>();
  let count = 0;
  let generation = 0;
  let enabled = false;

  /** "query" when the operation may be kept, "mutation" when it invalidates, else null. */
  function kind(document: DocumentNode, operationName: string | null | undefined) {
    const operation = getOperationAST(document, operationName);
    if (operation?.operation === "mutation") return "mutation";
    if (operation?.operation !== "query") return null;
    const fields = operation.selectionSet.selections;
    return fields.every((s) => s.kind === Kind.FIELD && (cacheable.has(s.name.value) || s.name.value === "__typename"))
      ? "query"
      : null;
  }

  const plugin: Plugin<C> = {
    onExecute({ args, setResultAndStopExecution }) {
      const which = kind(args.document, args.operationName);
      if (which === "mutation") return { onExecuteDone: () => invalidate() };
      if (which === null || !enabled) return;
      const key = JSON.stringify([
        args.operationName ?? null,
        viewer(args.contextValue as C),
        args.variableValues ?? {},
      ]);
      const answers = kept.get(args.document);
      const hit = answers?.get(key);
      if (hit && performance.now() - hit.at < ttlMs) {
        metrics.hits++;
        return setResultAndStopExecution(hit.result);
      }
      metrics.misses++;
      const startedIn = generation;
      const document = args.document;
      return {
        onExecuteDone({ result }) {
          if (startedIn !== generation || !enabled || !("data" in result) || result.errors?.length) return;
          if (count >= maxKept) forget();
          const forDocument = kept.get(document) ?? new Map<string, Kept>();
          kept.set(document, forDocument);
          if (!forDocument.has(key)) count++;
          const entry = { result, at: performance.now() };
          forDocument.set(key, entry);
          // Dropped once it can no longer be served: with no run changing (no invalidation), an idle
          // API held up to maxKept answers, of up to a million loss points each, indefinitely.
          const keptIn = kept;
          setTimeout(() => {
            if (kept !== keptIn || forDocument.get(key) !== entry) return; // forgotten or replaced since
            forDocument.delete(key);
            count--;
          }, ttlMs).unref();
        },
      };
    },
  };

  function forget() {
    kept = new WeakMap();
    count = 0;
  }

  function invalidate() {
    generation++;
    metrics.invalidations++;
    forget();
  }

  return {
    plugin,
    invalidate,
    enable: () => {
      enabled = true;
    },
    metrics,
    size: () => count,
  };
}
