// A run's confusion matrix, on the validation set (of the parameters it ended with) or the test set:
// what an accuracy hides, which classes it gets wrong and what it takes them for.
import { CLASS_NAMES, type ConfusionCounts, classAccuracies } from "@trainql/nn";
import { builder } from "./builder.ts";

export const ConfusionMatrixRef = builder.objectRef<ConfusionCounts>("ConfusionMatrix").implement({
  description:
    "Predictions counted by true class (rows) and predicted class (columns). Its diagonal over its sum is the accuracy it goes with.",
  fields: (t) => ({
    classes: t.stringList({
      description: "The classes in label order: row i and column i are class i (CIFAR-10's batches.meta.txt).",
      resolve: () => [...CLASS_NAMES],
    }),
    counts: t.field({
      type: t.listRef(t.listRef("Int")),
      description: "counts[t][p]: the images of class t predicted as class p.",
      resolve: (counts) => counts,
    }),
    classAccuracy: t.field({
      type: ["Float"],
      nullable: { list: false, items: true },
      description:
        "Per class (row): the fraction of its images predicted as it (its recall); null for a class with no images.",
      resolve: classAccuracies,
    }),
  }),
});
