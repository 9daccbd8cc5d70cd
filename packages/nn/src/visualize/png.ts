// RGB pixels as a PNG file, compressed on libuv's thread pool (pngjs' packer stream), off the thread
// that trains: the synchronous encoder held a trainer's training loop up 36 ms an epoch at H = 128
// and 137 ms at H = 512, 6–7% of an epoch there.
import { PNG } from "pngjs";

/**
 * PNG's "Paeth" filter (each byte predicted from its left, upper and upper-left neighbours) on every
 * row: pngjs' default tries all five filters on each row, in JavaScript on the training thread, for a
 * file no smaller on first-layer weights (H = 512, trained 400 iterations: 1.137 MB adaptive, 1.142 MB
 * Paeth, 1.30 MB the next best filter).
 */
const PNG_FILTER = 4;

/** `rgb`: width × height × 3 bytes, row-major. */
export function encodePng(rgb: Uint8Array, width: number, height: number): Promise<Buffer> {
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, inputHasAlpha: false, filterType: PNG_FILTER });
  png.data = Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    png
      .pack()
      .on("data", (chunk: Buffer) => chunks.push(chunk))
      .on("end", () => resolve(Buffer.concat(chunks)))
      .on("error", reject);
  });
}
