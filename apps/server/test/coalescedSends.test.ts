// A WebSocket's sends of one turn go out in one write (issue 15), over a real loopback connection.
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { afterEach, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { coalesceSends } from "../src/fanout/coalescedSends.ts";

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
});

/** A server socket with coalesced sends, its TCP socket's writes counted, and a client that records. */
async function connected() {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise((resolve) => wss.once("listening", resolve));
  const writes: number[] = []; // frames per write to the TCP socket
  const server = new Promise<WebSocket>((resolve) =>
    wss.on("connection", (socket, request) => {
      const raw = request.socket as Duplex & {
        _write: (chunk: unknown, encoding: BufferEncoding, cb: () => void) => void;
        _writev: (chunks: unknown[], cb: () => void) => void;
      };
      const write = raw._write.bind(raw);
      const writev = raw._writev.bind(raw);
      raw._write = (chunk, encoding, cb) => {
        writes.push(1);
        write(chunk, encoding, cb);
      };
      raw._writev = (chunks, cb) => {
        writes.push(chunks.length);
        writev(chunks, cb);
      };
      coalesceSends(socket, raw);
      resolve(socket);
    }),
  );
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const received: string[] = [];
  client.on("message", (data) => received.push(String(data)));
  cleanup.push(() => {
    client.terminate();
    wss.close();
  });
  return { socket: await server, writes, received };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
};

it("writes the messages sent in one turn in one write, in order, and confirms each at once", async () => {
  const { socket, writes, received } = await connected();
  const confirmed: string[] = [];
  for (const message of ["losses", "weights", "epoch"])
    socket.send(message, (error) => confirmed.push(error ? `error ${error.message}` : message));
  await Promise.resolve(); // (confirmations are microtasks)
  expect(confirmed).toEqual(["losses", "weights", "epoch"]);
  expect(writes).toEqual([]); // nothing written yet: the turn is not over
  await until(() => received.length === 3);
  expect(received).toEqual(["losses", "weights", "epoch"]);
  // Each message is a frame of header and payload: 3 messages, 6 buffers, one write.
  expect(writes).toEqual([6]);

  // The next turn's messages, in a write of their own.
  socket.send("status");
  await until(() => received.length === 4);
  expect(writes.length).toBe(2);
});

it("confirms a send only once written while the socket is behind, so that the sender waits", async () => {
  const { socket, received } = await connected();
  // Far more than the high-water mark waiting: the socket is behind.
  const big = "x".repeat(16 * 1024 * 1024);
  socket.send(big);
  await new Promise((resolve) => setImmediate(resolve));
  expect(socket.bufferedAmount).toBeGreaterThan(64 * 1024);
  let confirmed = false;
  socket.send("after", () => {
    confirmed = true;
  });
  await Promise.resolve();
  expect(confirmed).toBe(false);
  // Confirmed once written, after the client has read enough of the big message to make room.
  await until(() => confirmed);
  await until(() => received.length === 2);
  expect(received.map((m) => m.length)).toEqual([big.length, "after".length]);
});
