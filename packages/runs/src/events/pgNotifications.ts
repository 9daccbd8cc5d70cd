// Events between processes over PostgreSQL LISTEN/NOTIFY (publish.ts sends them): each API process
// keeps one connection that LISTENs on the topics its subscribers follow, shared by all of them.
import { Repeater } from "@repeaterjs/repeater";
import pg from "pg";

type Listener = (payload: unknown) => void;

export class NotificationHub {
  private client: pg.Client | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();
  private closed = false;
  private connecting: Promise<void> | undefined;

  constructor(private readonly databaseUrl: string) {}

  private connect(): Promise<void> {
    this.connecting ??= (async () => {
      for (let attempt = 0; !this.closed; attempt++) {
        const client = new pg.Client({ connectionString: this.databaseUrl });
        try {
          await client.connect();
          client.on("notification", (msg) => this.dispatch(msg.channel, msg.payload));
          client.on("error", () => this.reconnect(client));
          client.on("end", () => this.reconnect(client));
          for (const topic of this.listeners.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(topic)}`);
          this.client = client;
          return;
        } catch {
          await client.end().catch(() => {});
          await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
        }
      }
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private reconnect(client: pg.Client) {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    client.end().catch(() => {});
    // Notifications sent while disconnected are lost: tell every listener to re-read the database.
    void this.connect().then(() => {
      for (const topic of this.listeners.keys()) this.dispatch(topic, JSON.stringify({ type: "resync" }));
    });
  }

  private dispatch(topic: string, payload: string | undefined) {
    const set = this.listeners.get(topic);
    if (!set || payload === undefined) return;
    const value = JSON.parse(payload) as unknown;
    for (const listener of set) listener(value);
  }

  /** Starts listening on `topic`; resolves once LISTEN is in effect on the server. */
  async listen(topic: string, listener: Listener): Promise<() => Promise<void>> {
    let set = this.listeners.get(topic);
    const first = !set;
    if (!set) {
      set = new Set();
      this.listeners.set(topic, set);
    }
    set.add(listener);
    if (!this.client) await this.connect();
    else if (first) await this.client.query(`LISTEN ${pg.escapeIdentifier(topic)}`);
    return async () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(topic) === set) {
        this.listeners.delete(topic);
        await this.client?.query(`UNLISTEN ${pg.escapeIdentifier(topic)}`).catch(() => {});
      }
    };
  }

  /**
   * The events of `topic` as an async iterator. Resolves once listening: events published after that
   * are buffered until read, so a caller can read the database next without missing any. `close()`
   * stops listening (also when iteration never started).
   */
  async subscribe<T>(topic: string): Promise<{ events: AsyncIterableIterator<T>; close: () => Promise<void> }> {
    const buffer: T[] = [];
    let push: ((value: T) => Promise<unknown>) | undefined;
    const stop = await this.listen(topic, (value) => {
      if (push) void push(value as T);
      else buffer.push(value as T);
    });
    const events = new Repeater<T>(async (p, stopped) => {
      for (const value of buffer.splice(0)) await p(value);
      push = p;
      await stopped;
    });
    return {
      events,
      close: async () => {
        await events.return();
        await stop();
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    await this.client?.end().catch(() => {});
    this.client = undefined;
  }
}
