/**
 * The IDX file format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a 4-byte
 * magic (two zero bytes, a type code, the number of dimensions), one big-endian uint32 per
 * dimension, then the values row-major and big-endian. Gzipped files are recognised by their
 * magic and inflated first, so the `.gz` files Debian installs read as they are.
 */
import { gunzipSync } from 'node:zlib';

export type IdxValues = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  /** The dimensions as the header gives them: `[60000, 28, 28]` for an image file. */
  shape: number[];
  /** `uint8` for every MNIST-family file; the other IDX types are read for completeness. */
  dtype: 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
  values: IdxValues;
}

/** A malformed IDX file; the message says what is wrong, for a 400 on upload. */
export class IdxFormatError extends Error {
  override name = 'IdxFormatError';
}

/** Type codes: the dtype, its kind (unsigned, signed integer, float) and its bytes per value. */
const TYPES = {
  8: { dtype: 'uint8', kind: 'u', bytes: 1 },
  9: { dtype: 'int8', kind: 'i', bytes: 1 },
  11: { dtype: 'int16', kind: 'i', bytes: 2 },
  12: { dtype: 'int32', kind: 'i', bytes: 4 },
  13: { dtype: 'float32', kind: 'f', bytes: 4 },
  14: { dtype: 'float64', kind: 'f', bytes: 8 },
} as const;

/** Whether the bytes start like a gzip stream. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export interface IdxHeader {
  shape: number[];
  dtype: IdxArray['dtype'];
  kind: 'u' | 'i' | 'f';
  /** Bytes per value (all big-endian). */
  bytes: 1 | 2 | 4 | 8;
  /** Bytes before the values: the magic and one uint32 per dimension. */
  dataOffset: number;
}

/**
 * The header of an IDX file (not gzipped) from its first bytes, or null while more are needed
 * (4 bytes say how many follow); a bad magic throws IdxFormatError at once.
 */
export function parseIdxHeader(bytes: Uint8Array): IdxHeader | null {
  const n = Math.min(bytes.length, 4);
  if (n === 0) return null;
  if (
    bytes[0] !== 0 ||
    (n > 1 && bytes[1] !== 0) ||
    (n > 2 && !(bytes[2] in TYPES)) ||
    (n > 3 && bytes[3] === 0)
  )
    throw new IdxFormatError(
      n > 2 && bytes[0] === 0 && bytes[1] === 0 && !(bytes[2] in TYPES)
        ? `not an IDX file: unknown type code 0x${bytes[2].toString(16).padStart(2, '0')} (expected 0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, 0x0d float32 or 0x0e float64)`
        : 'not an IDX file: it must start with two zero bytes, a type code and a dimension count (bad magic)',
    );
  if (bytes.length < 4) return null;
  const rank = bytes[3];
  const dataOffset = 4 + 4 * rank;
  if (bytes.length < dataOffset) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = TYPES[bytes[2] as keyof typeof TYPES];
  return {
    shape: Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false)),
    dtype: type.dtype,
    kind: type.kind,
    bytes: type.bytes,
    dataOffset,
  };
}

export function parseIdx(input: Uint8Array): IdxArray {
  const bytes = isGzip(input) ? new Uint8Array(gunzipSync(input)) : input;
  const header = parseIdxHeader(bytes);
  if (header === null)
    throw new IdxFormatError(
      bytes.length < 4
        ? 'not an IDX file: it must start with two zero bytes, a type code and a dimension count'
        : `IDX header declares ${bytes[3]} dimensions but the file ends after ${bytes.length} bytes`,
    );
  const { shape, dtype, dataOffset } = header;
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = dataOffset + count * header.bytes;
  if (bytes.length !== expected)
    throw new IdxFormatError(
      `IDX shape [${shape.join(', ')}] of ${dtype} needs ${expected} bytes but the file has ${bytes.length}`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { shape, dtype, values: readValues(view, dataOffset, count, header) };
}

function readValues(
  view: DataView,
  offset: number,
  count: number,
  { dtype, bytes: size }: IdxHeader,
): IdxValues {
  const bytes = new Uint8Array(view.buffer, view.byteOffset + offset, count * size);
  switch (dtype) {
    case 'uint8':
      return bytes.slice();
    case 'int8':
      return new Int8Array(bytes.slice().buffer);
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}
