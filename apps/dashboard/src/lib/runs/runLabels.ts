// A run's name, tags and note as the run page reads them; here, not in the client component that
// edits them, so that the server-rendered page can spread it (a "use client" module's exports reach
// server components as references, not values).
import { graphql, type ResultOf } from "@trainql/graphql";

export const RunLabelsFragment = graphql(`
  fragment RunLabels on Run { id name tags note }
`);
export type RunLabelsData = ResultOf<typeof RunLabelsFragment>;
