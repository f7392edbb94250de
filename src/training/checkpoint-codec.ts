/**
 * A compact, lossless binary encoding of a TrainerCheckpoint, for storing one per epoch in Redis.
 *
 * Layout: `TYCK` magic, u32 version, u32 header length, the JSON header, zero padding to a 4-byte
 * boundary, then one Float32 blob. In the header every Float32Array becomes `{"$f32": [offset,
 * length]}` and every number array whose values are all exact float32s (optimizer buffers, which
 * `stateDict()` turns into plain arrays) becomes `{"$f32a": [offset, length]}`, both pointing into
 * the blob; numbers JSON cannot carry exactly (NaN, ±Infinity, -0) become `{"$num": "…"}`. So
 * weights and optimizer buffers cost 4 bytes a value and decode to the very same bits.
 */
import type { TrainerCheckpoint } from './checkpoint.js';

const MAGIC = 0x4b435954; // 'TYCK' little-endian
const VERSION = 1;
const PRELUDE = 12;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isExactFloat32Array(value: unknown[]): value is number[] {
  if (value.length === 0) return false;
  for (const v of value) {
    if (typeof v !== 'number' || !Object.is(Math.fround(v), v)) return false;
  }
  return true;
}

function encodeNumber(v: number): Json {
  if (Number.isNaN(v)) return { $num: 'NaN' };
  if (v === Infinity) return { $num: 'Infinity' };
  if (v === -Infinity) return { $num: '-Infinity' };
  if (Object.is(v, -0)) return { $num: '-0' };
  return v;
}

const SPECIAL: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Infinity,
  '-Infinity': -Infinity,
  '-0': -0,
};

/** Encodes a checkpoint; the result owns its buffer (transferable between threads). */
export function encodeCheckpoint(checkpoint: TrainerCheckpoint): Uint8Array {
  const chunks: Float32Array[] = [];
  let floats = 0;
  const place = (data: ArrayLike<number>): [number, number] => {
    const chunk = data instanceof Float32Array ? data : Float32Array.from(data);
    chunks.push(chunk);
    const at = floats;
    floats += chunk.length;
    return [at, chunk.length];
  };
  const walk = (value: unknown): Json => {
    if (typeof value === 'number') return encodeNumber(value);
    if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
    if (value === undefined) return null;
    if (value instanceof Float32Array) return { $f32: place(value) };
    if (Array.isArray(value)) return isExactFloat32Array(value) ? { $f32a: place(value) } : value.map(walk);
    if (ArrayBuffer.isView(value)) throw new TypeError(`checkpoint: unsupported ${value.constructor.name}`);
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== undefined) out[k] = walk(v);
    }
    return out;
  };
  const header = new TextEncoder().encode(JSON.stringify(walk(checkpoint)));
  const blobStart = Math.ceil((PRELUDE + header.length) / 4) * 4;
  const bytes = new Uint8Array(blobStart + floats * 4);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, header.length, true);
  bytes.set(header, PRELUDE);
  const blob = new Float32Array(bytes.buffer, blobStart, floats);
  let at = 0;
  for (const chunk of chunks) {
    blob.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

/** Decodes `encodeCheckpoint`'s bytes (any Uint8Array view, e.g. a Buffer from Redis). */
export function decodeCheckpoint(bytes: Uint8Array): TrainerCheckpoint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < PRELUDE || view.getUint32(0, true) !== MAGIC)
    throw new RangeError('checkpoint: not a Trainyard checkpoint');
  const version = view.getUint32(4, true);
  if (version !== VERSION) throw new RangeError(`checkpoint: unsupported version ${version}`);
  const headerLength = view.getUint32(8, true);
  const header = new TextDecoder().decode(bytes.subarray(PRELUDE, PRELUDE + headerLength));
  const blobStart = Math.ceil((PRELUDE + headerLength) / 4) * 4;
  // Copy the blob out: the source view may be unaligned (a Buffer slice, whose `slice` does not copy) and must not be aliased.
  const blob = new Float32Array(new Uint8Array(bytes.subarray(blobStart)).buffer);
  const walk = (value: Json): unknown => {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map(walk);
    if ('$f32' in value) {
      const [at, n] = value.$f32 as [number, number];
      return blob.slice(at, at + n);
    }
    if ('$f32a' in value) {
      const [at, n] = value.$f32a as [number, number];
      return Array.from(blob.subarray(at, at + n));
    }
    if ('$num' in value) return SPECIAL[value.$num as string];
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v);
    return out;
  };
  return walk(JSON.parse(header) as Json) as TrainerCheckpoint;
}
