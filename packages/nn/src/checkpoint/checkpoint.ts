// Checkpoints of a network (the bytes: format.ts).
import { TwoLayerNet } from "../model/twoLayerNet.ts";
import { type CheckpointHeader, decodeCheckpoint, encodeCheckpoint } from "./format.ts";

export * from "./format.ts";

export async function saveCheckpoint(net: TwoLayerNet, header: Omit<CheckpointHeader, "shape">): Promise<Uint8Array> {
  return encodeCheckpoint({ header: { ...header, shape: net.shape }, values: await net.values() });
}

/** The network a checkpoint describes; its architecture comes from the checkpoint itself. */
export function loadCheckpoint(bytes: Uint8Array): { net: TwoLayerNet; header: CheckpointHeader } {
  const { header, values } = decodeCheckpoint(bytes);
  return { net: TwoLayerNet.fromValues(header.shape, values), header };
}
