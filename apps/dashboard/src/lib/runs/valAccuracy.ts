// A run has two validation accuracies, easily mixed up under one name: each is defined here once,
// with the label and explanation every page shows for it.
export const FINAL_VAL = {
  label: "Final val",
  title: "Validation accuracy of the parameters the run ended with (what a sweep ranks by); set when training stops",
} as const;

export const BEST_EPOCH_VAL = {
  label: "Best epoch val",
  title: "Highest validation accuracy measured at an epoch boundary while training",
} as const;
