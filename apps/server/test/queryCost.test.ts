// The page sizes the query cost limit counts (security/queryCost.ts), on the real schema.
import { parse, print } from "graphql";
import { describe, expect, it } from "vitest";
import { schema } from "../src/schema/index.ts";
import { defaultPageOf } from "../src/schema/pagination.ts";
import { withPageSizes } from "../src/security/queryCost.ts";

const written = (query: string, variables?: Record<string, unknown>) =>
  print(withPageSizes(schema, parse(query), variables, defaultPageOf)).replace(/\s+/g, " ");

describe("withPageSizes", () => {
  it("writes out each page: a variable's value, the larger of first and last, the connection's default", () => {
    expect(
      written(`query ($n: Int) { runs(first: $n, orderBy: BEST_VAL_ACC_DESC) { edges { node { id } } } }`, { n: 7 }),
    ).toContain("runs(orderBy: BEST_VAL_ACC_DESC, first: 7)");
    expect(written(`{ runs(first: 3, last: 9) { edges { node { id } } } }`)).toContain("runs(first: 9)");
    expect(written(`{ runs { edges { node { id } } } sweeps { edges { node { id } } } }`)).toMatch(
      /runs\(first: 50\).*sweeps\(first: 20\)/,
    );
    // A variable left out: the default page.
    expect(written(`query ($n: Int) { runs(first: $n) { edges { node { id } } } }`, {})).toContain("runs(first: 50)");
  });

  it("leaves every other field as it is", () => {
    const query = `{ run(id: "x") { id epochs { epoch } lossHistory(maxPoints: 10) { loss } } }`;
    expect(written(query)).toBe(print(parse(query)).replace(/\s+/g, " "));
  });
});
