import { describe, expect, it } from 'vitest';
import {
  decodeSafetensors,
  encodeSafetensors,
  SafetensorsError,
  toNested,
} from '../../src/artifacts/safetensors.js';

describe('safetensors', () => {
  const tensors = {
    '0.weight': { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
    '0.bias': { shape: [2], data: Float32Array.from([0.5, -0.5]) },
    '1.num_batches_tracked': { shape: [], data: Float32Array.from([7]) },
  };

  it('writes the documented layout: u64 LE header length, space-padded JSON, raw LE data', () => {
    const buf = encodeSafetensors(tensors, { format: 'pt' });
    const n = Number(buf.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const headerText = buf.subarray(8, 8 + n).toString();
    expect(headerText).toMatch(/ *$/);
    const header = JSON.parse(headerText);
    expect(header.__metadata__).toEqual({ format: 'pt' });
    expect(header['0.weight']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(header['0.bias']).toEqual({ dtype: 'F32', shape: [2], data_offsets: [24, 32] });
    // num_batches_tracked is an integer buffer in PyTorch: I64.
    expect(header['1.num_batches_tracked']).toEqual({ dtype: 'I64', shape: [], data_offsets: [32, 40] });
    const body = buf.subarray(8 + n);
    expect(body.length).toBe(40);
    expect(body.readFloatLE(4)).toBe(2);
    expect(body.readBigInt64LE(32)).toBe(7n);
  });

  it('round-trips', () => {
    const file = decodeSafetensors(encodeSafetensors(tensors, { a: 'b' }));
    expect(file.metadata).toEqual({ a: 'b' });
    expect(file.tensors['0.weight'].data).toEqual(tensors['0.weight'].data);
    expect(file.tensors['1.num_batches_tracked']).toMatchObject({
      dtype: 'I64',
      shape: [],
      data: Float32Array.from([7]),
    });
  });

  it('reads a file written by the Python safetensors library', () => {
    // safetensors.torch.save_file({"w": torch.tensor([[1., 2.]])}): header {"w":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}}
    const header = '{"w":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}}';
    const padded = header + ' '.repeat((8 - (header.length % 8)) % 8);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(padded.length));
    const data = Buffer.from(Float32Array.from([1, 2]).buffer);
    const file = decodeSafetensors(Buffer.concat([len, Buffer.from(padded), data]));
    expect(toNested(file.tensors.w.data, file.tensors.w.shape)).toEqual([[1, 2]]);
  });

  it('converts row-major data to nested arrays', () => {
    expect(toNested(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3])).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(toNested(Float32Array.from([3]), [])).toBe(3);
  });

  it('rejects malformed input', () => {
    expect(() => decodeSafetensors(new Uint8Array(4))).toThrow(SafetensorsError);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(1000n);
    expect(() => decodeSafetensors(len)).toThrow(/header length/);
    expect(() => encodeSafetensors({ a: { shape: [3], data: new Float32Array(2) } })).toThrow(/do not fill/);
  });
});
