// A shared result written straight to the sockets of the members that stand where it starts: the
// result serialized once per hand-out, and per member only its graphql-ws `next` message around it
// (the subscription's id differs) and one send. Through graphql-ws each member's result cost a
// resumed generator, graphql-ws's own JSON.stringify of the whole message and a promise-confirmed
// send, per event: about 55 µs a member for an epoch's hand-out on a slow 2-core VM, which at 2,000
// subscribers made the last of them wait a few hundred milliseconds.
//
// Only a member whose seat (seat.ts) is parked in step offers this: nothing of its own in flight, so a
// message written now cannot overtake one graphql-ws is still sending (both go through the socket's
// one send queue, coalescedSends.ts). Anything else (a result with errors, which the error masking
// plugins would rewrite; the event that ends the stream, after which graphql-ws completes the
// operation; a socket that is behind) goes through graphql-ws as before.
import type { ExecutionResult } from "graphql";
import { WebSocket } from "ws";
import { COALESCE_HIGH_WATER_BYTES } from "./coalescedSends.ts";

/** The graphql-ws operation a subscriber's results go to. */
export interface SubscriberConnection {
  socket: WebSocket;
  /** The operation's id on the socket, as the client chose it. */
  id: string;
}

const serialized = new WeakMap<ExecutionResult, string>();

/**
 * The `next` message graphql-ws would send for `result` on `id`, with the result serialized once for
 * everyone. graphql-ws writes `{ id, type, payload }` in that order with JSON.stringify and no
 * replacer (none is configured), so the text is the same; directDelivery.test.ts compares them.
 */
export function nextMessage(id: string, result: ExecutionResult): string {
  let payload = serialized.get(result);
  if (payload === undefined) {
    payload = JSON.stringify(result);
    serialized.set(result, payload);
  }
  return `{"id":${JSON.stringify(id)},"type":"next","payload":${payload}}`;
}

/**
 * Sends `result` to the connection now, unless it carries errors (plugins rewrite those on their way
 * through graphql-ws) or the socket is closing or behind: false then, and it goes through graphql-ws.
 */
export function sendDirectly(connection: SubscriberConnection, result: ExecutionResult): boolean {
  const { socket } = connection;
  if (result.errors || socket.readyState !== WebSocket.OPEN || socket.bufferedAmount >= COALESCE_HIGH_WATER_BYTES)
    return false;
  socket.send(nextMessage(connection.id, result));
  return true;
}
