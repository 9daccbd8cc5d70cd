// A checkpoint's parameters as a NumPy .npz archive: what `np.savez` writes, so
// `net.params = dict(np.load("run.npz"))` gives the reference assignment's TwoLayerNet its W1 (D, H),
// b1 (H,), W2 (H, C) and b2 (C,) as float32.
//
// Why these libraries: an .npz is a zip of .npy files, one per array, named "<key>.npy". npyjs (the
// maintained npy reader for JS) also writes .npy since 1.x (`dump`: header, dtype, shape, padding),
// and fflate writes the zip; no maintained JS library writes .npz itself. Stored, not deflated, as
// np.savez does: float weights barely compress and the archive is built in memory per request.
import { decodeCheckpoint, PARAM_NAMES, paramShapes } from "@trainql/nn/checkpointFormat";
import { zipSync } from "fflate";
import { dump } from "npyjs";

export interface ParamsArchive {
  bytes: Uint8Array;
  /** Iterations completed when the checkpoint was taken. */
  iteration: number;
}

/** The .npz of a TrainQL checkpoint (packages/nn/src/checkpoint/format.ts). */
export function paramsNpz(checkpoint: Uint8Array): ParamsArchive {
  const { header, values } = decodeCheckpoint(checkpoint);
  const shapes = paramShapes(header.shape);
  const files = Object.fromEntries(
    PARAM_NAMES.map((name) => [`${name}.npy`, new Uint8Array(dump(values[name], shapes[name]))]),
  );
  return { bytes: zipSync(files, { level: 0 }), iteration: header.iteration };
}
