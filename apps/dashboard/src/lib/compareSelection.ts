// What a comparison's address selects: the ids of `?ids=` (runs) or `?groups=` (seed groups), each
// once, and how many it may list. The page reads each id from the API one request at a time, so
// `ids=a,a,a,…` cost a request per repeat, and a list without end as many as it named.

/**
 * The most runs (or seed groups) one comparison shows: the API's export of a comparison (CSV, JSON)
 * takes at most this many, so a page past it would offer downloads that are refused. Defined here
 * as well as in the API (apps/server/src/exports/downloads.ts MAX_COMPARE), which the dashboard does
 * not import; the two must agree.
 */
export const MAX_COMPARE = 50;

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
