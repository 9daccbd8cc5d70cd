// Where training reads its rows from. On a GPU backend, copying each 12 MB minibatch from the host
// costs more than the step's arithmetic, so the training and validation sets are uploaded once (per
// process and data set: a trainer's runs share them) and each minibatch is gathered on the device
// from the sampled row indices; only the loss comes back each step. On the CPU backends the rows
// already live in host memory. Where the native BLAS runs the products, the next minibatch is
// gathered on its second thread while this one's step runs (into one of two buffers that the BLAS
// reads in place); elsewhere sampling writes the rows straight into the minibatch tensor.
import * as tf from "@tensorflow/tfjs-core";
import { gatherRows, gatherRowsAhead, readsHostRows } from "../backend/blasKernels.ts";
import { fillTensor } from "../backend/fillTensor.ts";
import { adviseHugePages } from "../backend/hugePages.ts";
import type { GatherAhead } from "../backend/openBlas.ts";
import { bindableBytes, webgpuLimits } from "../backend/webgpu.ts";
import { PIXELS_PER_IMAGE } from "../data/cifar10.ts";
import type { Split } from "../data/dataset.ts";
import type { Rows } from "../model/twoLayerNet.ts";
import { randomInts } from "./random.ts";

interface Resident {
  byteOffset: number;
  length: number;
  backend: tf.KernelBackend;
  rows: tf.Tensor2D;
  /** The list that holds this entry, to remove it from. */
  list: Resident[];
}

// Keyed by the data's memory, not the Split object: loading the same data set again returns new
// Split objects (and new views when limited to the first rows) over the same buffer.
const resident = new WeakMap<ArrayBufferLike, Resident[]>();
const all = new Set<Resident>();

/**
 * The split's rows as one tensor on the device, uploaded on first use; undefined when the backend is
 * not a GPU one or the split exceeds what the device can bind in one buffer (then minibatches are
 * uploaded one at a time, which the backend's warnings announce).
 */
export function residentRows(split: Split): tf.Tensor2D | undefined {
  const limits = webgpuLimits();
  if (!limits) return undefined;
  const bytes = split.n * PIXELS_PER_IMAGE * 4;
  if (bytes > bindableBytes(limits)) return undefined;
  const x = split.x.subarray(0, split.n * PIXELS_PER_IMAGE);
  const backend = tf.backend();
  const entries = resident.get(x.buffer) ?? [];
  resident.set(x.buffer, entries);
  const found = entries.find((e) => e.byteOffset === x.byteOffset && e.length === x.length && e.backend === backend);
  if (found) return found.rows;
  const rows = tf.tensor2d(x, [split.n, PIXELS_PER_IMAGE]);
  const entry = { byteOffset: x.byteOffset, length: x.length, backend, rows, list: entries };
  // Kept across runs (and tf.tidy scopes) until releaseResidentRows().
  tf.keep(entry.rows);
  entries.push(entry);
  all.add(entry);
  return entry.rows;
}

/** Frees every uploaded data set (e.g. before the data sets themselves are dropped). */
export function releaseResidentRows(): void {
  for (const entry of all) {
    entry.rows.dispose();
    entry.list.splice(entry.list.indexOf(entry), 1);
  }
  all.clear();
}

/**
 * The minibatch of iteration `it`: a pure function of (seed, it), so a resumed run samples the same
 * batches. Written into `into` when given (train() passes the minibatch tensor's own memory, see
 * fillTensor), else into new arrays.
 */
export function sampleBatch(
  data: Split,
  batchSize: number,
  seed: number,
  it: number,
  into: { x: Float32Array; y: Int32Array } = {
    x: new Float32Array(batchSize * PIXELS_PER_IMAGE),
    y: new Int32Array(batchSize),
  },
): { x: Float32Array; y: Int32Array } {
  const idx = batchIndices(data, batchSize, seed, it);
  const { x, y } = into;
  const rows = data.x.subarray(0, data.n * PIXELS_PER_IMAGE);
  if (!gatherRows(rows, idx, PIXELS_PER_IMAGE, x)) {
    for (let i = 0; i < batchSize; i++) {
      const row = idx[i] as number;
      x.set(rows.subarray(row * PIXELS_PER_IMAGE, (row + 1) * PIXELS_PER_IMAGE), i * PIXELS_PER_IMAGE);
    }
  }
  labelsOf(data, idx, y);
  return { x, y };
}

/** The rows of iteration `it`'s minibatch: the same on every backend, so runs sample alike. */
function batchIndices(data: Split, batchSize: number, seed: number, it: number): Int32Array {
  return randomInts(seed, "batch", it, batchSize, data.n);
}

/** labels[i] ← the label of row idx[i]. */
function labelsOf(data: Split, idx: Int32Array, labels: Int32Array): void {
  for (let i = 0; i < idx.length; i++) labels[i] = data.y[idx[i] as number] as number;
}

/**
 * The minibatch of iteration `it` as an N × D tensor, sampled straight into the tensor's memory
 * (fillTensor); its labels are written into `labels`.
 */
export function batchTensor(data: Split, batchSize: number, seed: number, it: number, labels: Int32Array): tf.Tensor2D {
  return fillTensor([batchSize, PIXELS_PER_IMAGE], (x) =>
    sampleBatch(data, batchSize, seed, it, { x, y: labels }),
  ) as tf.Tensor2D;
}

/** The minibatches of a training run: iteration `it`'s rows, its labels in `labels`. */
export interface Minibatches {
  /** Iteration `it`'s rows: a tensor to dispose, or host rows that stay valid until the next call. */
  batch(it: number, labels: Int32Array): Rows;
  /** True when rows are gathered on the device from an uploaded copy of the set. */
  readonly onDevice: boolean;
  /**
   * Done with these minibatches: waits for a gather ahead still under way, so that what it holds (the
   * training set's rows, both buffers) can go once a run stops early (cancelled, diverged, failed).
   */
  release(): void;
}

/** Frees a minibatch's rows once its iteration is done (host rows are reused, not freed). */
export function disposeRows(X: Rows): void {
  if (X instanceof tf.Tensor) X.dispose();
}

/** The minibatches of a run that stops before iteration `until` (none is gathered ahead for it). */
export function minibatches(
  data: Split,
  batchSize: number,
  seed: number,
  until = Number.POSITIVE_INFINITY,
): Minibatches {
  const rows = residentRows(data);
  if (rows) {
    return {
      onDevice: true,
      release() {},
      batch(it, labels) {
        const idx = batchIndices(data, batchSize, seed, it);
        labelsOf(data, idx, labels);
        return tf.tidy(() => tf.gather(rows, tf.tensor1d(idx, "int32")) as tf.Tensor2D);
      },
    };
  }
  if (readsHostRows()) return gatheredAhead(data, batchSize, seed, until);
  return { onDevice: false, release() {}, batch: (it, labels) => batchTensor(data, batchSize, seed, it, labels) };
}

/** Host rows in two buffers: while a step reads one, the BLAS's second thread fills the other. */
function gatheredAhead(data: Split, batchSize: number, seed: number, until: number): Minibatches {
  const size = batchSize * PIXELS_PER_IMAGE;
  const memory = new Float32Array(2 * size);
  adviseHugePages(memory); // (before the first write; the products read these rows, see hugePages.ts)
  const buffers = [memory.subarray(0, size), memory.subarray(size)] as const;
  const source = data.x.subarray(0, data.n * PIXELS_PER_IMAGE);
  let ahead: { it: number; idx: Int32Array; copy: GatherAhead } | undefined;
  /** Waits for the gather ahead, if any, and returns it; forgotten first, so a failed copy fails one call. */
  const joinAhead = () => {
    const pending = ahead;
    ahead = undefined;
    pending?.copy.join();
    return pending;
  };
  return {
    onDevice: false,
    batch(it, labels) {
      const values = buffers[it % 2]!;
      // (Joined in every case: a gather for another iteration may still be writing into `values`.)
      const pending = joinAhead();
      if (pending?.it === it) {
        labelsOf(data, pending.idx, labels);
      } else sampleBatch(data, batchSize, seed, it, { x: values, y: labels });
      if (it + 1 < until) {
        const idx = batchIndices(data, batchSize, seed, it + 1);
        const copy = gatherRowsAhead(source, idx, PIXELS_PER_IMAGE, buffers[(it + 1) % 2]!);
        if (copy) ahead = { it: it + 1, idx, copy };
      }
      return { values, count: batchSize };
    },
    release() {
      try {
        joinAhead();
      } catch {
        // (A failed copy of rows no step will read.)
      }
    },
  };
}
