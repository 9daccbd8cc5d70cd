// Subscriptions to what happens to runs, in any process: yoga's createPubSub over PostgreSQL
// LISTEN/NOTIFY. Publishing that belongs to a write goes through publish(tx, …) instead, so the
// event is sent only if the write commits.
import { createPubSub } from "@graphql-yoga/subscription";
import { createPostgresEventTarget } from "./postgresEventTarget.ts";
import type { RunTopics } from "./runNotifications.ts";

type Payload<K extends keyof RunTopics> = RunTopics[K] extends [string, infer P] ? P : RunTopics[K][0];
type Id<K extends keyof RunTopics> = RunTopics[K] extends [string, unknown] ? [id: string] : [];

export type RunPubSub = ReturnType<typeof createRunPubSub>;

export function createRunPubSub(databaseUrl: string) {
  const target = createPostgresEventTarget(databaseUrl);
  const pubsub = createPubSub<RunTopics>({ eventTarget: target });
  // One call for every topic; the typed signature is listen's.
  const subscribe = pubsub.subscribe as unknown as (key: string, ...id: string[]) => AsyncGenerator<unknown>;
  return {
    publish: pubsub.publish,
    subscribe: pubsub.subscribe,
    /**
     * Like subscribe, but resolves only once PostgreSQL delivers the topic to this process: anything
     * committed after that reaches the iterator, so the caller may read the database next and miss
     * nothing ("current state, then updates"). createPubSub's subscriptions start at their first
     * read, so that read is started here and handed on.
     */
    async listen<K extends keyof RunTopics>(key: K, ...id: Id<K>): Promise<AsyncGenerator<Payload<K>>> {
      const events = subscribe(key, ...id) as AsyncGenerator<Payload<K>>;
      let first: Promise<IteratorResult<Payload<K>>> | undefined = events.next();
      await target.listening(id.length > 0 ? `${key}:${id[0]}` : key);
      const started: AsyncGenerator<Payload<K>> = {
        next() {
          const next = first ?? events.next();
          first = undefined;
          return next;
        },
        return: (value) => events.return(value),
        throw: (error) => events.throw(error),
        [Symbol.asyncIterator]: () => started,
      };
      return started;
    },
    close: () => target.close(),
  };
}
