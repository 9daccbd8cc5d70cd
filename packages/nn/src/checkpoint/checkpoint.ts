// Checkpoints of a network (the bytes: format.ts).
import { TwoLayerNet } from "../model/twoLayerNet.ts";
import type { Params } from "../netParams.ts";
import { type CheckpointHeader, decodeCheckpoint, encodeCheckpoint } from "./format.ts";

export * from "./format.ts";

/** The net's checkpoint; `values` when the caller already read them (`net.values()` copies them all). */
export async function saveCheckpoint(
  net: TwoLayerNet,
  header: Omit<CheckpointHeader, "shape">,
  values?: Params<Float32Array>,
): Promise<Uint8Array> {
  return encodeCheckpoint({ header: { ...header, shape: net.shape }, values: values ?? (await net.values()) });
}

/** The network a checkpoint describes; its architecture comes from the checkpoint itself. */
export function loadCheckpoint(bytes: Uint8Array): { net: TwoLayerNet; header: CheckpointHeader } {
  const { header, values } = decodeCheckpoint(bytes);
  return { net: TwoLayerNet.fromValues(header.shape, values), header };
}
