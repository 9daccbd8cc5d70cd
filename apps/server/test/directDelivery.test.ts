// Shared results written straight to a subscriber's socket (issue 15: one serialized payload for
// all): the message is graphql-ws' own, and only a seat waiting in step takes it; everything else
// goes through graphql-ws. Through the real API it is in fanout.test.ts.
import { MessageType, stringifyMessage } from "graphql-ws";
import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { COALESCE_HIGH_WATER_BYTES } from "../src/fanout/coalescedSends.ts";
import { nextMessage, type SubscriberConnection } from "../src/fanout/directDelivery.ts";
import { type Marks, RunEventCursor, START } from "../src/fanout/runEventStream.ts";
import { seat } from "../src/fanout/seat.ts";
import { Inbox, type SharedItem } from "../src/fanout/sharedRunEvents.ts";

describe("the next message of a shared result", () => {
  it("is the text graphql-ws sends for it", () => {
    const results = [
      { data: { runEvents: { __typename: "RunEpochEvent", epoch: { epoch: 3, loss: 1.25e-7, valAcc: 0.5 } } } },
      { data: { runEvents: { __typename: "RunStatusEvent", status: "RUNNING", run: { error: 'a "quoted" é\n' } } } },
      { data: null, extensions: { code: 1 } },
    ];
    for (const id of ["1", "3f6c…-uuid", 'odd "id"'])
      for (const result of results)
        expect(nextMessage(id, result)).toBe(stringifyMessage({ id, type: MessageType.Next, payload: result }));
  });
});

/** A seat that has caught up (nothing stored), on a socket that records what it is sent. */
function waitingSeat(socket: { readyState?: number; bufferedAmount?: number } = {}) {
  const cursor = new RunEventCursor({} as never, "run");
  cursor.catchUp = async function* () {};
  const inbox = new Inbox(() => {});
  const sent: string[] = [];
  const connection = {
    socket: { readyState: WebSocket.OPEN, bufferedAmount: 0, send: (m: string) => sent.push(m), ...socket },
    id: "7",
  } as unknown as SubscriberConnection;
  const counters = { ownExecutions: 0, coalescedBatches: 0, directDeliveries: 0 };
  const results = seat(inbox, cursor, {} as never, () => ({ data: { own: true } }), counters, connection);
  return { cursor, inbox, sent, counters, results };
}

/** The item of epoch k, shared from `before` on. */
function epochItem(k: number, before: Marks, change: Partial<SharedItem> = {}): SharedItem {
  const event = { type: "status", runId: "run", status: "RUNNING", cursor: "" } as const;
  return { event, before, after: { ...before, epoch: k }, ending: null, result: { data: { epoch: k } }, ...change };
}

describe("a seat waiting in step", () => {
  it("takes shared items straight to its socket, moving its cursor, without its generator running", async () => {
    const { cursor, inbox, sent, counters, results } = waitingSeat();
    const waiting = results.next(); // graphql-ws asks for the next result: the seat parks in its inbox
    await new Promise((resolve) => setImmediate(resolve));
    const first = epochItem(0, { ...START });
    expect(inbox.direct?.(first)).toBe(true);
    expect(inbox.direct?.(epochItem(1, first.after))).toBe(true);
    expect(sent).toEqual([nextMessage("7", { data: { epoch: 0 } }), nextMessage("7", { data: { epoch: 1 } })]);
    expect(cursor.marks.epoch).toBe(1);
    expect(counters.directDeliveries).toBe(2);

    // An item it is not in step for (it starts elsewhere) goes to the inbox, and whatever follows too.
    expect(inbox.direct?.(epochItem(5, { ...START, epoch: 4 }))).toBe(false);
    const pushed = epochItem(2, { ...cursor.marks });
    inbox.push(pushed);
    expect(inbox.direct).toBeNull();
    expect((await waiting).value).toEqual({ data: { epoch: 2 } }); // through graphql-ws
    expect(sent).toHaveLength(2);
    inbox.leave();
    expect((await results.next()).done).toBe(true);
  });

  it("leaves to graphql-ws a result with errors, the stream's last item and a socket that is behind", async () => {
    for (const [socket, change] of [
      [{}, { result: { data: null, errors: [] } }],
      [{}, { ending: "now" }],
      [{ bufferedAmount: COALESCE_HIGH_WATER_BYTES }, {}],
      [{ readyState: WebSocket.CLOSING }, {}],
    ] as const) {
      const { inbox, sent, results } = waitingSeat(socket);
      void results.next();
      await new Promise((resolve) => setImmediate(resolve));
      expect(inbox.direct?.(epochItem(0, { ...START }, change as Partial<SharedItem>))).toBe(false);
      expect(sent).toEqual([]);
      inbox.leave();
    }
  });

  it("offers nothing while a result of its own is on its way (graphql-ws has not asked for the next)", async () => {
    const { inbox, results } = waitingSeat();
    const item = epochItem(0, { ...START });
    inbox.push(item);
    void results.next();
    await new Promise((resolve) => setImmediate(resolve));
    // It yielded the pushed item and is suspended until graphql-ws has sent it and asks again.
    expect(inbox.direct).toBeNull();
    inbox.leave();
  });
});
