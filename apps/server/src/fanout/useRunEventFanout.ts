// The envelop plugin that multiplexes runEvents subscriptions (issue 15, the way Hasura and Apollo
// Router do): subscribers of the same run with the same document and variables share one stream,
// one GraphQL execution per event, and one result object, serialized once (directDelivery.ts: each
// subscriber's graphql-ws message only wraps it with the subscription's id). Without it each
// subscriber executed the document once per event (the status event's `run { … }` read the database
// once per subscriber) and kept a LISTEN-fed stream of its own.
//
// It takes over subscribe only for operations whose one root field is runEvents, after access
// control and the limits have passed (plugins before it may stop the operation), and runs the
// field's own subscribe (createSourceEventStream) so that arguments, ids and cursors are checked as
// before. Any other subscription is untouched.

import {
  createSourceEventStream,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  execute,
  getOperationAST,
  Kind,
  type OperationDefinitionNode,
  print,
  visit,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import type { SubscriberConnection } from "./directDelivery.ts";
import { RunEventCursor, RunEventSource } from "./runEventStream.ts";
import { type SeatCounters, seat, seatIterator } from "./seat.ts";
import { SharedRunEvents } from "./sharedRunEvents.ts";

export interface FanoutMetrics extends SeatCounters {
  /** Executions of shared events: once per event per (run, document, variables, viewer). */
  sharedExecutions: number;
  /** Shared streams open now. */
  streams: number;
}

export interface FanoutOptions<C> {
  /**
   * What of the caller a result may depend on: subscribers share a stream only when this is equal.
   * Today no RunEvent field reads the caller (the token only decides whether one may subscribe,
   * which is checked per subscriber before joining), so it only needs to separate callers whom
   * access control treats differently; a field that read the caller would have to be keyed here.
   */
  viewer: (context: C) => string;
  /** The subscriber's graphql-ws socket and operation id, when it came over graphql-ws. */
  connection: (context: C) => SubscriberConnection | null;
}

/** The runEvents field node when it is the operation's only root selection. */
function runEventsField(operation: OperationDefinitionNode) {
  const [field, ...rest] = operation.selectionSet.selections;
  return operation.operation === "subscription" &&
    !rest.length &&
    field?.kind === Kind.FIELD &&
    field.name.value === "runEvents"
    ? field
    : null;
}

const printed = new WeakMap<DocumentNode, string>();

/**
 * The key of a shared stream. `after` only says where a subscriber starts, which its own catch-up
 * handles: a variable used for nothing else is left out, so reconnecting subscribers share too.
 */
function streamKey(args: ExecutionArgs, operation: OperationDefinitionNode, runId: string, viewer: string): string {
  let text = printed.get(args.document);
  if (text === undefined) {
    text = print(args.document);
    printed.set(args.document, text);
  }
  const variables: Record<string, unknown> = { ...args.variableValues };
  const after = runEventsField(operation)?.arguments?.find((a) => a.name.value === "after")?.value;
  if (after?.kind === Kind.VARIABLE) {
    let uses = 0;
    visit(operation, { Variable: (v) => void (v.name.value === after.name.value && uses++) });
    // One use in the argument, one in the operation's variable definitions.
    if (uses <= 2) delete variables[after.name.value];
  }
  return JSON.stringify([runId, text, args.operationName ?? null, variables, viewer]);
}

export function useRunEventFanout<C extends object>(options: FanoutOptions<C>): Plugin<C> & { metrics: FanoutMetrics } {
  const streams = new Map<string, SharedRunEvents>();
  const metrics: FanoutMetrics = {
    sharedExecutions: 0,
    ownExecutions: 0,
    coalescedBatches: 0,
    directDeliveries: 0,
    get streams() {
      return streams.size;
    },
  };

  async function subscribe(args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
    const source = await createSourceEventStream(args);
    if (!(source instanceof RunEventSource)) return source as ExecutionResult;
    const operation = getOperationAST(args.document, args.operationName) as OperationDefinitionNode;
    const executeFor = (rootValue: unknown) => execute({ ...args, rootValue });
    const key = streamKey(args, operation, source.runId, options.viewer(args.contextValue as C));
    let shared = streams.get(key);
    if (!shared) {
      const created: SharedRunEvents = new SharedRunEvents(
        source.pubsub,
        new RunEventCursor(source.db, source.runId),
        (event) => {
          metrics.sharedExecutions++;
          return executeFor(event);
        },
        () => {
          if (streams.get(key) === created) streams.delete(key);
        },
      );
      streams.set(key, created);
      shared = created;
    }
    const inbox = shared.join();
    const connection = options.connection(args.contextValue as C);
    return seatIterator(inbox, seat(inbox, source.cursor, source.pubsub, executeFor, metrics, connection));
  }

  return {
    metrics,
    onSubscribe({ args, setSubscribeFn }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (operation && runEventsField(operation)) setSubscribeFn(subscribe as never);
    },
  };
}
