// How much loss history one request may read. Each `lossHistory` reads every loss its run stored (4
// bytes an iteration: 4 MB at a million) to downsample them, so `runs(first: 500) { edges { node {
// lossHistory(maxPoints: 100000) … } } }` read gigabytes and built 50 million points, and queries are
// public by default. The cost limit cannot count these ahead: a sweep's trials or a group's runs are
// lists of any length. So each lossHistory takes its share when it resolves, before it reads.
// A request's budget is its execution's: a subscription executes again for each event, under the one
// context it was given, and each event gets a budget of its own.
import { GraphQLError } from "graphql";

export interface LossHistoryLimits {
  /** Loss histories one request may read (runs × lossHistory fields). */
  maxLossHistories: number;
  /** Points they may return in all (the sum of their maxPoints). */
  maxLossPoints: number;
}

export class LossHistoryBudget {
  private histories = 0;
  private points = 0;

  constructor(private readonly limits: LossHistoryLimits) {}

  /** Takes one history of up to `maxPoints` points; QUERY_TOO_COMPLEX once the request is over either limit. */
  take(maxPoints: number): void {
    this.histories += 1;
    this.points += maxPoints;
    const { maxLossHistories, maxLossPoints } = this.limits;
    if (this.histories <= maxLossHistories && this.points <= maxLossPoints) return;
    throw new GraphQLError(
      `This request reads more loss history than one request may: at most ${maxLossHistories} lossHistory fields and ` +
        `${maxLossPoints.toLocaleString("en-US")} points in all (the sum of their maxPoints). Ask for fewer runs at a time (first), or a smaller maxPoints.`,
      { extensions: { code: "QUERY_TOO_COMPLEX" } },
    );
  }
}

/**
 * The budget of each execution under one context (one request): the request's own, or, for a
 * subscription's event, the event's (its root value, a new object each time).
 */
export function budgetPerExecution(limits: LossHistoryLimits): (rootValue: unknown) => LossHistoryBudget {
  const byEvent = new WeakMap<object, LossHistoryBudget>();
  let request: LossHistoryBudget | undefined;
  return (rootValue) => {
    if (typeof rootValue !== "object" || rootValue === null) {
      request ??= new LossHistoryBudget(limits);
      return request;
    }
    const budget = byEvent.get(rootValue) ?? new LossHistoryBudget(limits);
    byEvent.set(rootValue, budget);
    return budget;
  };
}
