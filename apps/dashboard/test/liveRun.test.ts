// A run page's live stream resumes after a reconnect: urqlClient.ts sets $after to the last event's
// cursor, which the server hears only if the document declares $after and passes it to runEvents.
import { print } from "@trainql/graphql";
import { describe, expect, it } from "vitest";
import { applyRunEvent, emptyLiveRun, RUN_EVENTS } from "@/lib/runs/runEvents";

describe("the run page's subscription", () => {
  it("declares $after as a String and passes it to runEvents", () => {
    const document = print(RUN_EVENTS);
    expect(document).toMatch(/subscription RunEvents\([^)]*\$after: String\b/);
    expect(document).toMatch(/runEvents\([^)]*\bafter: \$after\b/);
  });
});

describe("a run's test evaluation, live", () => {
  const failed = (error: string) => ({ __typename: "RunTestFailedEvent" as const, cursor: "c", error });

  it("counts each failure, the same reason twice included, and forgets it once a result comes", () => {
    let state = applyRunEvent(emptyLiveRun, failed("no data"));
    state = applyRunEvent(state, failed("no data"));
    expect([state.testError, state.testFailures]).toEqual(["no data", 2]);
    state = applyRunEvent(state, { __typename: "RunTestEvent", cursor: "c", testAcc: 0.5 });
    expect([state.testAcc, state.testError]).toEqual([0.5, undefined]);
  });
});
