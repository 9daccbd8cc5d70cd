// What a comparison's address selects: the ids of `?ids=` (runs) or `?groups=` (seed groups), each
// once, and how many it may list. The page reads each id from the API one request at a time, so
// `ids=a,a,a,…` cost a request per repeat, and a list without end as many as it named.

// (At most MAX_COMPARE: the API's export of a comparison takes no more, so a page past it would
// offer downloads that are refused.)
export { MAX_COMPARE } from "@trainql/graphql/limits";

/**
 * The distinct ids of a comma-separated list, in the order first listed. A key repeated in the
 * address (`?ids=a&ids=b`) comes as an array: its lists are read as one.
 */
export const selectedIds = (list: string | string[] | undefined): string[] => [
  ...new Set(
    [list ?? ""]
      .flat()
      .join(",")
      .split(",")
      .map((id) => id.trim())
      .filter(Boolean),
  ),
];
