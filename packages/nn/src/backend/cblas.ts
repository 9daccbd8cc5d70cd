// The CBLAS interface as TrainQL calls it: the codes of its enums, and what `cblas_sgemm` takes.

export const CblasRowMajor = 101;
export const CblasNoTrans = 111;
export const CblasTrans = 112;

/** cblas_sgemm's arguments: C ← alpha · op(A) · op(B) + beta · C, float32, with typed arrays for A, B, C. */
export type SgemmArgs = [
  order: number,
  transA: number,
  transB: number,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  lda: number,
  b: Float32Array,
  ldb: number,
  beta: number,
  c: Float32Array,
  ldc: number,
];
