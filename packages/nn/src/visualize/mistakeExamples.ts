// A model's most confident mistakes on a split (metrics/mistakes.ts), each with its image as the data
// set holds it: what the run page shows under a cell of the confusion matrix.
import { CHANNELS, IMAGE_SIZE, PIXELS_PER_IMAGE } from "../data/cifar10.ts";
import type { Cifar10Dataset, Split } from "../data/dataset.ts";
import { confidentMistakes, MISTAKES_PER_CELL, type Mistake } from "../metrics/mistakes.ts";
import type { TwoLayerNet } from "../model/twoLayerNet.ts";
import { encodePng } from "./png.ts";

export interface MistakeExample extends Mistake {
  /** The image, 32 × 32, as a PNG. */
  png: Uint8Array;
}

const PLANE = IMAGE_SIZE * IMAGE_SIZE;

/**
 * A row of a split as the image it was read from: the preprocessing (pixels / 255 minus the channel's
 * mean, CHW) undone, to RGB bytes row-major. Exact: each value was a byte over 255 in float32.
 */
export function imageOf(split: Split, index: number, channelMean: readonly [number, number, number]): Uint8Array {
  const row = split.x.subarray(index * PIXELS_PER_IMAGE, (index + 1) * PIXELS_PER_IMAGE);
  const rgb = new Uint8Array(PIXELS_PER_IMAGE);
  for (let c = 0; c < CHANNELS; c++)
    for (let i = 0; i < PLANE; i++)
      rgb[i * CHANNELS + c] = Math.round(((row[c * PLANE + i] as number) + (channelMean[c] as number)) * 255);
  return rgb;
}

/** `net`'s most confident mistakes on the validation set, `perCell` per (true, predicted) pair, with their images. */
export async function mistakeExamples(
  net: TwoLayerNet,
  data: Pick<Cifar10Dataset, "val" | "channelMean">,
  perCell = MISTAKES_PER_CELL,
): Promise<MistakeExample[]> {
  const { val, channelMean } = data;
  const { labels, confidence } = await net.predictWithConfidence(val.x, val.n);
  const mistakes = confidentMistakes(labels, confidence, val.y, perCell);
  return await Promise.all(
    mistakes.map(async (m) => ({
      ...m,
      png: await encodePng(imageOf(val, m.index, channelMean), IMAGE_SIZE, IMAGE_SIZE),
    })),
  );
}
