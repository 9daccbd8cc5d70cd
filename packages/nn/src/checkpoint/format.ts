// A compact binary checkpoint: parameters as little-endian float32, with the hyperparameters and
// training state as a JSON header. Layout:
//   "TQCK" | u32 version | u32 headerBytes | header JSON (UTF-8) | W1 | b1 | W2 | b2
// The header JSON also holds `crc32`, the CRC-32 of the parameters' bytes: a checkpoint damaged in
// storage or on its way fails to load, saying so, rather than train on (or export) wrong numbers.
// Checkpoints written before it was added have none and load unchecked.
//
// Reading and writing the bytes needs no TensorFlow.js (the API decodes checkpoints to serve them as
// .npz); checkpoint.ts turns them into networks.

import { crc32 } from "node:zlib";
import { z } from "zod";
import { type NetShape, PARAM_NAMES, type Params } from "../netParams.ts";
import { type Hyperparameters, hyperparametersSchema } from "../training/hyperparameters.ts";

export { PARAM_NAMES, paramShapes } from "../netParams.ts";

const MAGIC = "TQCK";
const VERSION = 1;

/**
 * Whether this machine stores a float32 as the format does, so that parameters are copied as bytes:
 * a trainer checkpoints every epoch, and the value-by-value loop took 12–14 ms of its training
 * thread for the 1.6 MB of H = 128 (the copy: under 1 ms).
 */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export interface CheckpointHeader {
  shape: NetShape;
  hyperparameters: Hyperparameters;
  /** Iterations completed when it was taken. */
  iteration: number;
  /** The backend that trained it. */
  backend: string;
  /**
   * The epoch from which the hyperparameters' learning rate applies undecayed (train's option of
   * that name; a fork's schedule starts afresh), absent for 0: with the hyperparameters and the
   * iteration, all it takes to train on from here with the same schedule.
   */
  learningRateFromEpoch?: number;
}

export interface Checkpoint {
  header: CheckpointHeader;
  values: Params<Float32Array>;
}

function paramSizes({
  inputSize: D,
  hiddenSize: H,
  numClasses: C,
}: NetShape): Record<(typeof PARAM_NAMES)[number], number> {
  return { W1: D * H, b1: H, W2: H * C, b2: C };
}

/** A parameter's bytes as the format stores them (little-endian float32). */
function storedBytes(v: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  const bytes = new Uint8Array(v.byteLength);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < v.length; i++) view.setFloat32(i * 4, v[i] as number, true);
  return bytes;
}

/** The CRC-32 of the parameters' stored bytes, W1 to b2. */
const paramsCrc32 = (values: Params<Float32Array>) =>
  PARAM_NAMES.reduce((crc, name) => crc32(storedBytes(values[name]), crc), 0);

export function encodeCheckpoint({ header, values }: Checkpoint): Uint8Array {
  const sizes = paramSizes(header.shape);
  for (const name of PARAM_NAMES)
    if (values[name].length !== sizes[name])
      throw new RangeError(`${name} has ${values[name].length} values; expected ${sizes[name]}`);
  const json = new TextEncoder().encode(JSON.stringify({ ...header, crc32: paramsCrc32(values) }));
  const paramBytes = PARAM_NAMES.reduce((n, name) => n + sizes[name] * 4, 0);
  const out = new Uint8Array(12 + json.length + paramBytes);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, json.length, true);
  out.set(json, 12);
  let offset = 12 + json.length;
  for (const name of PARAM_NAMES) {
    out.set(storedBytes(values[name]), offset);
    offset += values[name].length * 4;
  }
  return out;
}

export class CheckpointError extends Error {
  override name = "CheckpointError";
}

const count = z.number().int().positive();
const HeaderSchema = z.object({
  shape: z.object({ inputSize: count, hiddenSize: count, numClasses: count }),
  hyperparameters: hyperparametersSchema(),
  iteration: z.number().int().nonnegative(),
  backend: z.string(),
  learningRateFromEpoch: z.number().int().nonnegative().optional(),
  crc32: z.number().int().nonnegative().optional(),
});

/** The header, checked: a damaged one is a CheckpointError saying what is wrong, not a TypeError later. */
function parseHeader(json: Uint8Array): CheckpointHeader & { crc32?: number } {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(json));
  } catch (error) {
    throw new CheckpointError(`checkpoint header is not JSON (${(error as Error).message})`);
  }
  const parsed = HeaderSchema.safeParse(value);
  if (!parsed.success) throw new CheckpointError(`checkpoint header is invalid: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) {
    throw new CheckpointError("not a TrainQL checkpoint (bad magic bytes)");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== VERSION)
    throw new CheckpointError(`unsupported checkpoint version ${version}; this build reads ${VERSION}`);
  const headerBytes = view.getUint32(8, true);
  const { crc32: stored, ...header } = parseHeader(bytes.subarray(12, 12 + headerBytes));
  const sizes = paramSizes(header.shape);
  const expected = 12 + headerBytes + PARAM_NAMES.reduce((n, name) => n + sizes[name] * 4, 0);
  if (bytes.length !== expected) throw new CheckpointError(`checkpoint is ${bytes.length} bytes; expected ${expected}`);
  let offset = 12 + headerBytes;
  const values = {} as Params<Float32Array>;
  for (const name of PARAM_NAMES) {
    const v = new Float32Array(sizes[name]);
    // (Copied, not viewed: the header's length leaves the parameters at any byte offset.)
    if (LITTLE_ENDIAN) new Uint8Array(v.buffer).set(bytes.subarray(offset, offset + v.byteLength));
    else for (let i = 0; i < v.length; i++) v[i] = view.getFloat32(offset + i * 4, true);
    values[name] = v;
    offset += v.length * 4;
  }
  if (stored !== undefined && paramsCrc32(values) !== stored)
    throw new CheckpointError(
      "checkpoint's parameters do not match their checksum (CRC-32): it was damaged after it was written",
    );
  return { header, values };
}
