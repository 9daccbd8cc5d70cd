// A WebSocket's messages of one turn of the event loop go out in one write to its TCP socket.
//
// graphql-ws sends an operation's results one at a time and waits for each write before the next, so
// the events of one hand-out (a run's loss batch, weights image and epoch, see sharedRunEvents.ts)
// cost a system call each per subscriber: about 80 µs each on a slow 2-core VM, which at 2,000
// subscribers is where an API's time went. Here `send` queues the message, tells graphql-ws at once
// that it went (while the socket keeps up), and at the end of the turn writes the queue corked, which
// Node turns into one writev.
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";

/**
 * Past this many bytes waiting in the socket, a send is confirmed only once written: a subscriber
 * that does not read then holds its operation's results back (graphql-ws waits), as before, instead
 * of the API buffering them for it.
 */
export const COALESCE_HIGH_WATER_BYTES = 64 * 1024;

type SendCallback = (error?: Error) => void;

/** Makes `socket.send` coalesce as described above; `raw` is its TCP socket (the upgrade request's). */
export function coalesceSends(socket: WebSocket, raw: Duplex): void {
  const send = socket.send.bind(socket);
  let queued: { data: Parameters<WebSocket["send"]>[0]; callback?: SendCallback }[] | null = null;

  const flush = () => {
    const batch = queued ?? [];
    queued = null;
    raw.cork();
    for (const { data, callback } of batch) send(data, callback);
    raw.uncork();
  };

  socket.send = ((data: Parameters<WebSocket["send"]>[0], options?: object | SendCallback, cb?: SendCallback) => {
    // With options (compression, binary flags) the message goes as ws would send it; graphql-ws passes none.
    if (typeof options === "object") return send(data, options, cb);
    const callback = options;
    if (!queued) {
      queued = [];
      setImmediate(flush);
    }
    if (callback && socket.bufferedAmount < COALESCE_HIGH_WATER_BYTES) {
      queued.push({ data });
      queueMicrotask(() => callback());
    } else queued.push({ data, callback });
  }) as WebSocket["send"];
}
