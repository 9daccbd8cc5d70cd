// Numbers on chart axes and in labels: 3 significant digits, exponent form when tiny or huge, so a
// log axis reads "1e-5", not "0.0000100000000000", and a diverged loss "2.5e35", not "2.4999999999999997e+35".
export function compactNumber(v: number): string {
  if (!Number.isFinite(v) || v === 0) return String(v);
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1).replace(".0e", "e").replace("e+", "e");
  return String(Number(v.toPrecision(3)));
}
