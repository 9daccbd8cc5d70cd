import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { weightsImage, weightTiles } from "./nn.ts";

const D = 3072;

describe("first-layer weights image", () => {
  it("turns each column of W1 into a 32×32 RGB tile scaled by its own min and max", () => {
    const H = 2;
    const W1 = new Float32Array(D * H);
    // Column 0: red plane at its max, the rest at its min. Column 1: a ramp over the green plane.
    for (let d = 0; d < D; d++) {
      W1[d * H] = d < 1024 ? 5 : -3;
      W1[d * H + 1] = d >= 1024 && d < 2048 ? d - 1024 : 0;
    }
    const tiles = weightTiles(W1, H);
    expect(tiles.count).toBe(2);
    expect(tiles.rgb.length).toBe(2 * 32 * 32 * 3);
    expect(Array.from(tiles.rgb.subarray(0, 3))).toEqual([255, 0, 0]);
    const tile1 = 32 * 32 * 3;
    expect(Array.from(tiles.rgb.subarray(tile1, tile1 + 3))).toEqual([0, 0, 0]);
    const last = tile1 + (32 * 32 - 1) * 3;
    expect(Array.from(tiles.rgb.subarray(last, last + 3))).toEqual([0, 255, 0]);
  });

  it("lays the tiles in a near-square grid with padding and encodes a valid RGB PNG", async () => {
    const H = 10; // 4 per row, 3 rows
    const W1 = new Float32Array(D * H).map((_, i) => Math.sin(i));
    const image = await weightsImage(W1, H);
    expect(image.width).toBe(4 * 32 + 3);
    expect(image.height).toBe(3 * 32 + 2);
    const png = PNG.sync.read(image.png);
    expect([png.width, png.height]).toEqual([image.width, image.height]);
    expect(png.colorType).toBe(2); // RGB: no alpha channel to store
    const pixel = (x: number, y: number) =>
      Array.from(png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3));
    // Padding column between tiles 0 and 1 is black; tile 5 starts at (33, 33).
    expect(pixel(32, 5)).toEqual([0, 0, 0]);
    const t5 = 5 * 32 * 32 * 3;
    expect(pixel(33, 33)).toEqual(Array.from(image.tiles.rgb.subarray(t5, t5 + 3)));
  });

  it("refuses a W1 of the wrong size", () => {
    expect(() => weightTiles(new Float32Array(100), 2)).toThrow(/expected 3072 × 2/);
  });
});
