// Client errors as pages print them: the API's reasons, or where the API was looked for; never urql's tags.
import { CombinedError } from "@urql/core";
import { describe, expect, it } from "vitest";
import { apiErrorText } from "@/lib/api/apiErrorText";

const API = "http://127.0.0.1:4000/graphql";

describe("apiErrorText", () => {
  it("names the API's address for a request that got no answer", () => {
    const error = new CombinedError({ networkError: new TypeError("Failed to fetch") });
    expect(error.message).toBe("[Network] Failed to fetch");
    expect(apiErrorText(error, API)).toBe(
      `The TrainQL API at ${API} is not reachable from this browser (Failed to fetch). Is it running, and is that address open to this browser?`,
    );
    expect(apiErrorText(error)).toMatch(/^The TrainQL API is not reachable from this browser \(Failed to fetch\)/);
  });

  it("says which HTTP status came back when the answer was no GraphQL", () => {
    const error = new CombinedError({
      networkError: new Error("Bad Gateway"),
      response: { status: 502 } as Response,
    });
    expect(apiErrorText(error, API)).toBe(`The TrainQL API at ${API} answered HTTP 502 with no GraphQL result.`);
  });

  it("gives the API's own reasons without urql's tags, each once", () => {
    const error = new CombinedError({
      graphQLErrors: [
        { message: "run 3f2a does not exist", extensions: { code: "NOT_FOUND" } },
        "the queue is full",
        "the queue is full",
      ],
    });
    expect(error.message).toContain("[GraphQL] run 3f2a does not exist");
    expect(apiErrorText(error, API)).toBe("run 3f2a does not exist; the queue is full");
  });
});
