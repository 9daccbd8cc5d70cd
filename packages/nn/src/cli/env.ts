// The settings of the nn package's command-line tools (pnpm train, pnpm download-cifar, pnpm bench),
// read once per process; the library itself reads no environment, its callers hand it options.
import { createEnv } from "@t3-oss/env-core";
import { intVariable, rejectEnv } from "@trainql/env";
import { z } from "zod";
import type { BackendOptions } from "../backend/backend.ts";
import { BACKEND_NAMES } from "../backend/backendNames.ts";
import { RECORDS_PER_BATCH } from "../data/cifar10.ts";

/** Where the CIFAR-10 batches are, and their size: read by whoever loads the data or looks for it. */
export const dataVariables = {
  /** The CIFAR-10 binary batches; unset: the default cache folder. */
  CIFAR10_DIR: z.string().optional(),
  /** Records per batch file: 10,000 for the official data, fewer for generated test sets. */
  CIFAR10_RECORDS_PER_BATCH: intVariable(RECORDS_PER_BATCH),
};

/** The variables the engine's users (these CLIs, the trainer) read for it. */
export const engineVariables = {
  /** auto: the fastest backend that loads here (a software WebGPU adapter only when named). */
  TRAIN_BACKEND: z
    .enum(["auto", ...BACKEND_NAMES], { error: `must be auto or one of ${BACKEND_NAMES.join(", ")}` })
    .default("auto"),
  /** A CBLAS library for the WebAssembly backend's matrix products, or "off"; unset: OpenBLAS where it usually is. */
  TRAINQL_BLAS: z.string().optional(),
  /** BLAS threads; unset: one per core. */
  TRAINQL_BLAS_THREADS: intVariable(0).optional(),
  ...dataVariables,
};

type EngineEnv = { TRAINQL_BLAS?: string; TRAINQL_BLAS_THREADS?: number };

/** What initBackend needs from those settings. */
export const backendOptionsOf = (env: EngineEnv): BackendOptions => ({
  blas: { library: env.TRAINQL_BLAS, threads: env.TRAINQL_BLAS_THREADS || undefined },
});

export const readEngineEnv = (source: NodeJS.ProcessEnv = process.env) =>
  createEnv({
    server: engineVariables,
    runtimeEnv: source,
    emptyStringAsUndefined: true,
    onValidationError: rejectEnv(source),
  });
