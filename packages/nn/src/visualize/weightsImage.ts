// First-layer weights as pictures, like the assignment's `visualize_grid`: each column of W1 is a
// 32×32 RGB tile, scaled to 0–255 by its own min and max, the tiles laid in a near-square grid
// with a padding of black pixels between them.
import { PNG } from "pngjs";
import { CHANNELS, IMAGE_SIZE } from "../data/cifar10.ts";

export interface WeightTiles {
  /** Number of tiles (= hidden units). */
  count: number;
  /** Tile side in pixels (32). */
  size: number;
  /** count × size × size × 3 bytes, RGB, row-major within each tile. */
  rgb: Uint8Array;
}

export interface WeightsImage {
  tiles: WeightTiles;
  width: number;
  height: number;
  /** The grid, encoded as PNG (pngjs). */
  png: Buffer;
}

const PLANE = IMAGE_SIZE * IMAGE_SIZE;

/** W1 is D × H row-major (D = 3 × 32 × 32, CHW), as the model stores it. */
export function weightTiles(W1: Float32Array, hiddenSize: number): WeightTiles {
  const D = CHANNELS * PLANE;
  if (W1.length !== D * hiddenSize) throw new RangeError(`W1 has ${W1.length} values; expected ${D} × ${hiddenSize}`);
  const rgb = new Uint8Array(hiddenSize * PLANE * CHANNELS);
  for (let h = 0; h < hiddenSize; h++) {
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    for (let d = 0; d < D; d++) {
      const w = W1[d * hiddenSize + h] as number;
      if (w < low) low = w;
      if (w > high) high = w;
    }
    const range = high - low || 1; // a constant column becomes black, not NaN
    for (let c = 0; c < CHANNELS; c++) {
      for (let p = 0; p < PLANE; p++) {
        const w = W1[(c * PLANE + p) * hiddenSize + h] as number;
        rgb[(h * PLANE + p) * CHANNELS + c] = Math.round((255 * (w - low)) / range);
      }
    }
  }
  return { count: hiddenSize, size: IMAGE_SIZE, rgb };
}

/**
 * The grid of W1's tiles as a PNG. Asynchronous because the compression runs on libuv's thread
 * pool (pngjs' packer stream), off the thread that trains: the synchronous encoder held a trainer's
 * training loop up 36 ms an epoch at H = 128 and 137 ms at H = 512, 6–7% of an epoch there.
 */
export async function weightsImage(W1: Float32Array, hiddenSize: number, padding = 1): Promise<WeightsImage> {
  const tiles = weightTiles(W1, hiddenSize);
  const perRow = Math.ceil(Math.sqrt(tiles.count));
  const rows = Math.ceil(tiles.count / perRow);
  const S = tiles.size;
  const width = perRow * S + padding * (perRow - 1);
  const height = rows * S + padding * (rows - 1);
  // (RGBA in, RGB out: colorType is the file's, the input stays pngjs' default RGBA.)
  const png = new PNG({ width, height, colorType: 2 });
  png.data = Buffer.alloc(width * height * 4); // black, opaque where set below
  for (let i = 0; i < width * height; i++) png.data[i * 4 + 3] = 255;
  for (let t = 0; t < tiles.count; t++) {
    const x0 = (t % perRow) * (S + padding);
    const y0 = Math.floor(t / perRow) * (S + padding);
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const src = ((t * S + y) * S + x) * CHANNELS;
        const dst = ((y0 + y) * width + x0 + x) * 4;
        png.data[dst] = tiles.rgb[src] as number;
        png.data[dst + 1] = tiles.rgb[src + 1] as number;
        png.data[dst + 2] = tiles.rgb[src + 2] as number;
      }
    }
  }
  return { tiles, width, height, png: await encoded(png) };
}

function encoded(png: PNG): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    png
      .pack()
      .on("data", (chunk: Buffer) => chunks.push(chunk))
      .on("end", () => resolve(Buffer.concat(chunks)))
      .on("error", reject);
  });
}
