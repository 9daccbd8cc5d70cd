// An EventTarget over PostgreSQL LISTEN/NOTIFY, in the shape of @graphql-yoga/redis-event-target:
// give it to yoga's createPubSub and events published by any process reach every process that
// listens. One connection per process LISTENs on the topics its listeners follow. Payloads are
// JSON and small (ids and numbers; NOTIFY carries at most 8,000 bytes): the database is the record.
import type { TypedEvent, TypedEventTarget } from "@graphql-yoga/typed-event-target";
import { CustomEvent } from "@whatwg-node/events";
import pg from "pg";

export type PostgresEvent = TypedEvent<string, unknown>;
type Listener = Parameters<TypedEventTarget<PostgresEvent>["addEventListener"]>[1];

/** What a listener receives after a reconnection: notifications may have been lost; re-read. */
export const RESYNC = { type: "resync" } as const;
export type Resync = typeof RESYNC;

export interface PostgresEventTarget extends TypedEventTarget<PostgresEvent> {
  /** Resolves once PostgreSQL delivers `topic` to this process (LISTEN is in effect). */
  listening(topic: string): Promise<void>;
  close(): Promise<void>;
}

export function createPostgresEventTarget(databaseUrl: string): PostgresEventTarget {
  const listeners = new Map<string, Set<NonNullable<Listener>>>();
  /** Per topic: LISTEN issued on the current connection (a promise: others may wait for it). */
  const listened = new Map<string, Promise<void>>();
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let closed = false;
  // One query at a time on the connection: pg queues concurrent ones today but deprecates that
  // (pg 9 drops it), and LISTEN, UNLISTEN and NOTIFY come from independent callers.
  let tail: Promise<unknown> = Promise.resolve();
  const query = (on: pg.Client, text: string, values?: unknown[]) => {
    const result = tail.then(() => on.query(text, values));
    tail = result.catch(() => {});
    return result;
  };

  const dispatch = (topic: string, detail: unknown) => {
    const event = new CustomEvent(topic, { detail }) as PostgresEvent;
    for (const listener of listeners.get(topic) ?? []) {
      if (typeof listener === "function") listener(event);
      else listener.handleEvent(event);
    }
  };

  function connect(): Promise<pg.Client> {
    connecting ??= (async () => {
      for (let attempt = 0; ; attempt++) {
        if (closed) throw new Error("the event target is closed");
        const next = new pg.Client({ connectionString: databaseUrl });
        try {
          await next.connect();
          next.on("notification", (msg) => {
            if (msg.payload !== undefined) dispatch(msg.channel, JSON.parse(msg.payload));
          });
          next.on("error", () => reconnect(next));
          next.on("end", () => reconnect(next));
          client = next;
          return next;
        } catch {
          await next.end().catch(() => {});
          await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
        }
      }
    })().finally(() => {
      connecting = undefined;
    });
    return connecting;
  }

  function listen(topic: string): Promise<void> {
    let done = listened.get(topic);
    if (!done) {
      done = (async () => {
        // Until it takes: a connection that drops meanwhile is replaced, and LISTEN sent again.
        for (;;) {
          try {
            await query(client ?? (await connect()), `LISTEN ${pg.escapeIdentifier(topic)}`);
            return;
          } catch (error) {
            if (closed) throw error;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      })();
      listened.set(topic, done);
      done.catch(() => {}); // only when closed
    }
    return done;
  }

  function reconnect(dropped: pg.Client) {
    if (client !== dropped || closed) return;
    client = undefined;
    listened.clear();
    dropped.end().catch(() => {});
    // Notifications sent while we were away are lost: listen again, then have everyone re-read.
    void Promise.all([...listeners.keys()].map(listen)).then(() => {
      for (const topic of listeners.keys()) dispatch(topic, RESYNC);
    });
  }

  return {
    addEventListener(topic, listener) {
      if (!listener) return;
      const set = listeners.get(topic) ?? new Set();
      listeners.set(topic, set);
      set.add(listener as NonNullable<Listener>);
      void listen(topic);
    },
    removeEventListener(topic, listener) {
      const set = listeners.get(topic);
      if (!set || !listener) return;
      set.delete(listener as NonNullable<Listener>);
      if (set.size > 0) return;
      listeners.delete(topic);
      listened.delete(topic);
      if (client) query(client, `UNLISTEN ${pg.escapeIdentifier(topic)}`).catch(() => {});
    },
    dispatchEvent(event) {
      // Outside any transaction; writes that must be seen together with their event use
      // publish(tx, …), whose NOTIFY is delivered only if the transaction commits.
      void (client ? Promise.resolve(client) : connect())
        .then((c) => query(c, "SELECT pg_notify($1, $2)", [event.type, JSON.stringify(event.detail)]))
        .catch((error: Error) => console.error(`publish to ${event.type} failed: ${error.message}`));
      return true;
    },
    listening: (topic) => listened.get(topic) ?? listen(topic),
    async close() {
      closed = true;
      listeners.clear();
      listened.clear();
      await client?.end().catch(() => {});
      client = undefined;
    },
  };
}
