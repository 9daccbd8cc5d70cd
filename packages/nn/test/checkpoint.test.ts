import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CheckpointError,
  DEFAULT_HYPERPARAMETERS,
  decodeCheckpoint,
  encodeCheckpoint,
  initBackend,
  loadCheckpoint,
  saveCheckpoint,
  TwoLayerNet,
} from "./nn.ts";

const shape = { inputSize: 3072, hiddenSize: 24, numClasses: 10 };
const header = { hyperparameters: { ...DEFAULT_HYPERPARAMETERS, hiddenSize: 24 }, iteration: 120, backend: "wasm" };

/** A net of five parameters, for tests of the layout. */
const tiny = { inputSize: 2, hiddenSize: 1, numClasses: 1 };
const values = {
  W1: new Float32Array([1, -2]),
  b1: new Float32Array([0.5]),
  W2: new Float32Array([3]),
  b2: new Float32Array([-0.25]),
};

beforeAll(async () => {
  await initBackend("wasm");
});

describe("checkpoints", () => {
  it("round-trip parameters and hyperparameters, giving the same predictions", async () => {
    const net = TwoLayerNet.create(shape, { weightScale: 1e-2, seed: 9 });
    const bytes = await saveCheckpoint(net, header);
    // Compact: 4 bytes a parameter plus a small header.
    const params = 3072 * 24 + 24 + 24 * 10 + 10;
    expect(bytes.length).toBeLessThan(params * 4 + 1024);

    const { net: restored, header: h } = loadCheckpoint(bytes);
    expect(h).toEqual({ ...header, shape });
    expect(await restored.values()).toEqual(await net.values());
    const x = new Float32Array(300 * 3072).map((_, i) => Math.cos(i * 0.37));
    expect(await restored.predict(x, 300)).toEqual(await net.predict(x, 300));
    // A fork's schedule, which starts afresh at its epoch, travels with it.
    const fork = { ...header, learningRateFromEpoch: 4 };
    expect(decodeCheckpoint(await saveCheckpoint(net, fork)).header).toEqual({ ...fork, shape });
    net.dispose();
    restored.dispose();
  });

  it("lays the parameters out as little-endian float32 after the header, and reads them at any byte offset", () => {
    const bytes = encodeCheckpoint({ header: { ...header, shape: tiny }, values });
    const headerBytes = new DataView(bytes.buffer).getUint32(8, true);
    // The header's JSON sets where the parameters start: here not on a multiple of 4.
    expect((12 + headerBytes) % 4).not.toBe(0);
    expect([...bytes.subarray(12 + headerBytes)]).toEqual(
      // 1, -2, 0.5, 3, -0.25 as IEEE 754 single precision, least significant byte first
      [0, 0, 128, 63, 0, 0, 0, 192, 0, 0, 0, 63, 0, 0, 64, 64, 0, 0, 128, 190],
    );
    // Decoded from inside a larger buffer, as a database driver may hand the bytes over.
    const inside = new Uint8Array(bytes.length + 3);
    inside.set(bytes, 3);
    expect(decodeCheckpoint(inside.subarray(3)).values).toEqual(values);
  });

  it("refuses parameters damaged after they were written (a checksum), and loads a checkpoint from before checksums", () => {
    const bytes = encodeCheckpoint({ header: { ...header, shape: tiny }, values });
    const headerBytes = new DataView(bytes.buffer).getUint32(8, true);
    // One bit of one weight flipped: still a float, still the right length.
    const damaged = Uint8Array.from(bytes);
    damaged[12 + headerBytes + 5]! ^= 0x01;
    expect(() => decodeCheckpoint(damaged)).toThrow(/parameters do not match their checksum \(CRC-32\)/);
    // Written before checksums: the same header without one.
    const { crc32, ...old } = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerBytes)));
    expect(crc32).toEqual(expect.any(Number));
    const json = new TextEncoder().encode(JSON.stringify(old));
    const before = new Uint8Array(12 + json.length + (bytes.length - 12 - headerBytes));
    before.set(bytes.subarray(0, 8));
    new DataView(before.buffer).setUint32(8, json.length, true);
    before.set(json, 12);
    before.set(bytes.subarray(12 + headerBytes), 12 + json.length);
    expect(decodeCheckpoint(before)).toEqual({ header: { ...header, shape: tiny }, values });
  });

  it("rejects bytes that are not a checkpoint, or truncated", async () => {
    const net = TwoLayerNet.create(shape, { seed: 1 });
    const bytes = await saveCheckpoint(net, header);
    net.dispose();
    expect(() => decodeCheckpoint(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]))).toThrow(CheckpointError);
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 4))).toThrow(/expected \d+/);
  });

  it("reads damaged bytes as a CheckpointError saying what is wrong, or as a checkpoint, never another error", () => {
    const bytes = encodeCheckpoint({
      header: { ...header, hyperparameters: { ...header.hyperparameters, hiddenSize: 1 }, shape: tiny },
      values,
    });
    const damage = fc.record({
      cut: fc.option(fc.nat(bytes.length + 8), { nil: undefined }),
      writes: fc.array(fc.record({ at: fc.nat(bytes.length - 1), value: fc.nat(255) }), { maxLength: 6 }),
    });
    fc.assert(
      fc.property(damage, ({ cut, writes }) => {
        let damaged = Uint8Array.from(bytes);
        for (const w of writes) damaged[w.at] = w.value;
        if (cut !== undefined) damaged = Uint8Array.from({ length: cut }, (_, i) => damaged[i] ?? 0);
        try {
          const decoded = decodeCheckpoint(damaged);
          expect(decoded.header.shape.hiddenSize).toBeGreaterThan(0);
        } catch (error) {
          expect(error).toBeInstanceOf(CheckpointError);
        }
      }),
      { numRuns: 2000 },
    );
    // What a reader is told: the header is named, and what in it is wrong.
    const json = new TextEncoder().encode(JSON.stringify({ shape: { inputSize: 2 }, iteration: -1 }));
    const broken = new Uint8Array(12 + json.length);
    broken.set(bytes.subarray(0, 8));
    new DataView(broken.buffer).setUint32(8, json.length, true);
    broken.set(json, 12);
    expect(() => decodeCheckpoint(broken)).toThrow(/checkpoint header is invalid: .*shape\.hiddenSize/s);
  });
});
