// ArtifactPace on a clock of its own. (That a trainer on a CPU counts the artifacts' write too:
// epochHistory.test.ts.)
import { ArtifactPace } from "@trainql/trainer/artifactPace";
import { expect, it } from "vitest";

function paced(share: number) {
  let now = 0;
  const pace = new ArtifactPace(share, () => now);
  return { pace, at: (ms: number) => (now = ms) };
}

it("after artifacts that took t ms, the next are due once training ran t · (1 − share) / share", () => {
  const { pace, at } = paced(0.05);
  expect(pace.due()).toBe(true); // the first epoch's
  at(100);
  pace.took(10); // ending now: due at 100 + 190
  at(289);
  expect(pace.due()).toBe(false);
  at(290);
  expect(pace.due()).toBe(true);
});

it("a share of 1 takes them every epoch; shares outside (0, 1] are refused", () => {
  const { pace } = paced(1);
  pace.took(1e6);
  expect(pace.due()).toBe(true);
  expect(() => new ArtifactPace(0)).toThrow(/maxShare must be in \(0, 1\]/);
  expect(() => new ArtifactPace(1.5)).toThrow(RangeError);
});
