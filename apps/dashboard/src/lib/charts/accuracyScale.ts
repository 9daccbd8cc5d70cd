// The sweep charts' colour scale (their heatmap and scatter plot).
/**
 * Validation accuracy's colour scale, of dimension 2 of each cell or point (not the cut-early flag
 * after it), over the accuracies (%) measured so far: from 0 to the best, a sweep whose every trial
 * sat at chance (10%) was painted all in the best colour, and close accuracies looked alike. (A cell
 * not measured yet falls outside it.)
 */
export const accuracyScale = (accuracies: readonly number[]) => {
  const min = Math.floor(Math.min(...accuracies, 100));
  return {
    dimension: 2,
    min,
    max: Math.max(min + 1, Math.ceil(Math.max(...accuracies, 0))),
    calculable: true,
    orient: "vertical",
    right: 0,
    top: "middle",
    itemHeight: 160,
    text: ["val %", ""],
  };
};
