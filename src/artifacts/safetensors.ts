/**
 * The safetensors format (https://github.com/huggingface/safetensors), pure functions:
 * 8-byte little-endian header length N, N bytes of JSON header
 * (`{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}`,
 * padded with spaces to a multiple of 8), then the raw little-endian tensor bytes.
 * Trainyard writes F32 tensors, and I64 for integer buffers (`num_batches_tracked`), as PyTorch
 * stores them; reading converts every supported dtype to Float32Array.
 */

export type SafetensorsDtype = 'F32' | 'F64' | 'I64' | 'I32' | 'F16' | 'BF16';

export interface NamedTensor {
  shape: readonly number[];
  /** Values in row-major order. */
  data: Float32Array;
  dtype?: 'F32' | 'I64';
}

export interface SafetensorsFile {
  tensors: Record<string, { dtype: SafetensorsDtype; shape: number[]; data: Float32Array }>;
  metadata: Record<string, string>;
}

export class SafetensorsError extends Error {
  readonly code = 'invalid_safetensors';

  constructor(message: string) {
    super(`safetensors: ${message}`);
    this.name = 'SafetensorsError';
  }
}

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F64: 8, I64: 8, I32: 4, F16: 2, BF16: 2 };

/** Keys that hold integer counters in PyTorch and are stored as I64. */
export function defaultDtype(name: string): 'F32' | 'I64' {
  return name.endsWith('num_batches_tracked') ? 'I64' : 'F32';
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function encodeSafetensors(
  tensors: Record<string, NamedTensor>,
  metadata: Record<string, string> = {},
): Buffer {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name === '__metadata__') throw new SafetensorsError('"__metadata__" is not a tensor name');
    const dtype = t.dtype ?? defaultDtype(name);
    if (product(t.shape) !== t.data.length)
      throw new SafetensorsError(
        `${name}: ${t.data.length} values do not fill shape [${t.shape.join(', ')}]`,
      );
    let bytes: Buffer;
    if (dtype === 'I64') {
      const ints = new BigInt64Array(t.data.length);
      for (let i = 0; i < t.data.length; i++) ints[i] = BigInt(Math.round(t.data[i]));
      bytes = Buffer.from(ints.buffer);
    } else {
      bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    }
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  const padded = Math.ceil(Buffer.byteLength(json) / 8) * 8;
  json += ' '.repeat(padded - Buffer.byteLength(json));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(padded));
  // Buffer.from on a typed array's buffer is little-endian on every platform Node supports.
  return Buffer.concat([prefix, Buffer.from(json), ...chunks]);
}

export function decodeSafetensors(buffer: Uint8Array): SafetensorsFile {
  const buf = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (buf.length < 8) throw new SafetensorsError('file shorter than its 8-byte header length');
  const headerLength = Number(buf.readBigUInt64LE(0));
  if (headerLength > buf.length - 8) throw new SafetensorsError('header length exceeds the file');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + headerLength).toString('utf8'));
  } catch {
    throw new SafetensorsError('header is not valid JSON');
  }
  const body = buf.subarray(8 + headerLength);
  const tensors: SafetensorsFile['tensors'] = {};
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = value as Record<string, string>;
      continue;
    }
    const info = value as { dtype: SafetensorsDtype; shape: number[]; data_offsets: [number, number] };
    if (!(info.dtype in BYTES)) throw new SafetensorsError(`${name}: unsupported dtype ${info.dtype}`);
    const [begin, end] = info.data_offsets;
    const count = product(info.shape);
    if (end - begin !== count * BYTES[info.dtype] || end > body.length || begin < 0)
      throw new SafetensorsError(`${name}: data_offsets do not match dtype and shape`);
    const raw = Buffer.from(body.subarray(begin, end)); // copy: aligned for the typed-array views
    tensors[name] = { dtype: info.dtype, shape: info.shape, data: toFloat32(raw, info.dtype, count) };
  }
  return { tensors, metadata };
}

function toFloat32(raw: Buffer, dtype: SafetensorsDtype, count: number): Float32Array {
  const ab = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength);
  switch (dtype) {
    case 'F32':
      return new Float32Array(ab);
    case 'F64':
      return Float32Array.from(new Float64Array(ab));
    case 'I64':
      return Float32Array.from(new BigInt64Array(ab), (v) => Number(v));
    case 'I32':
      return Float32Array.from(new Int32Array(ab));
    case 'F16':
    case 'BF16': {
      const halves = new Uint16Array(ab);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = dtype === 'BF16' ? bf16(halves[i]) : f16(halves[i]);
      return out;
    }
  }
}

function bf16(bits: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, bits << 16);
  return view.getFloat32(0);
}

function f16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : Number.NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Row-major values as nested arrays of `shape` (a scalar for shape []). */
export function toNested(data: Float32Array, shape: readonly number[]): unknown {
  if (shape.length === 0) return data[0];
  const build = (dim: number, offset: number): unknown[] => {
    const size = shape[dim];
    const stride = product(shape.slice(dim + 1));
    const out: unknown[] = new Array(size);
    for (let i = 0; i < size; i++)
      out[i] = dim === shape.length - 1 ? data[offset + i] : build(dim + 1, offset + i * stride);
    return out;
  };
  return build(0, 0);
}
