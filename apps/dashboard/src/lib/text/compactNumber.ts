// Numbers on chart axes and in labels: a few significant digits, exponent form when tiny or huge, so a
// log axis reads "1e-5", not "0.0000100000000000", and a diverged loss "2.5e35", not
// "2.4999999999999997e+35". Each takes the number alone: they are passed to map() and as formatters.
const significant =
  (digits: number) =>
  (v: number): string => {
    if (!Number.isFinite(v) || v === 0) return String(v);
    const rounded = Number(v.toPrecision(digits));
    const a = Math.abs(rounded);
    return a >= 1e4 || a < 1e-3 ? rounded.toExponential().replace("e+", "e") : String(rounded);
  };

/** Three significant digits: a label. */
export const compactNumber = significant(3);

/** Four: a value pointed at (a loss of 2.303 in a tooltip, where three would say 2.3). */
export const pointedNumber = significant(4);

/**
 * A tick of a value axis. Its ticks are round numbers, but a narrow range has close ones: a loss
 * between 1.99 and 2.01 gets ticks 1.9975, 2, 2.0025, …, which three digits print alike.
 */
export const axisTick = significant(6);
