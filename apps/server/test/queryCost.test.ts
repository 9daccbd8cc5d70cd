// The page sizes the query cost limit counts (security/queryCost.ts), on the real schema.
import { parse, print } from "graphql";
import { describe, expect, it } from "vitest";
import { schema } from "../src/schema/index.ts";
import { itemsOf } from "../src/schema/pagination.ts";
import { listsWithinThemselves, withPageSizes } from "../src/security/queryCost.ts";

const written = (query: string, variables?: Record<string, unknown>) =>
  print(withPageSizes(schema, parse(query), variables, itemsOf)).replace(/\s+/g, " ");

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

  it("counts a seed group's members at their most, and `nodes` by the ids it is given", () => {
    expect(written(`{ runGroup(id: "g") { runs { id } } }`)).toContain("runs(first: 20)");
    expect(written(`{ nodes(ids: ["a", "b", "c"]) { id } }`)).toContain('nodes(ids: ["a", "b", "c"], first: 3)');
    expect(written(`query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: ["a", "b"] })).toContain(
      "nodes(ids: $ids, first: 2)",
    );
  });

  it("leaves every other field as it is", () => {
    const query = `{ run(id: "x") { id epochs { epoch } lossHistory(maxPoints: 10) { loss } } }`;
    expect(written(query)).toBe(print(parse(query)).replace(/\s+/g, " "));
  });
});

describe("listsWithinThemselves", () => {
  const refusals = (query: string) => listsWithinThemselves(schema, parse(query)).map((e) => e.message);

  it("refuses a list asked for within itself, through fragments too, naming the path", () => {
    expect(refusals(`{ runGroup(id: "g") { runs { group { runs { id } } } } }`)).toEqual([
      expect.stringMatching(/^RunGroup\.runs is asked for within itself \(RunGroup\.runs → RunGroup\.runs\)/),
    ]);
    expect(
      refusals(`{ run(id: "r") { forks { ...Parent } } } fragment Parent on Run { forkedFrom { forks { id } } }`),
    ).toEqual([expect.stringContaining("Run.forks → Run.forks")]);
    expect(
      refusals(`{ node(id: "r") { ... on Run { reproductions { reproducedFrom { reproductions { id } } } } } }`),
    ).toHaveLength(1);
  });

  it("lets different lists nest, and the same list side by side", () => {
    expect(
      refusals(`{ sweep(id: "s") { groups { runs { epochs { epoch } forks { id } } } trials { forks { id } } } }`),
    ).toEqual([]);
    expect(refusals(`{ a: run(id: "r") { forks { id } } b: run(id: "q") { forks { id } } }`)).toEqual([]);
  });
});
