/**
 * Incremental parsing of a binary dataset upload: two arrays back to back, x (N, ...) and then y
 * (N,), each an IDX file (MNIST's format) or a NumPy .npy file. Both formats say in their header
 * how long their values are, so the body is simply the images file followed by the labels file
 * (`cat x.npy y.npy`). Bytes are read as they arrive: each header is checked as soon as it is
 * complete (magic, dtype, shape, the limits, y's count against x's) and the values are decoded
 * straight into the arrays stored, so nothing but those arrays is kept.
 *
 * What is stored, by the uploaded dtype:
 * - x uint8: as bytes (1 per value), scaled by 1/255 to [0, 1] when a job reads them (as
 *   torchvision's ToTensor does for images);
 * - x of another integer type (int64 token ids, say): int32, refused when a value is out of its range;
 * - x float32 or float64: float32 (float64 values must fit float32);
 * - y of an integer type: class indices (int32, never negative); y float32/float64: real targets.
 * Any byte order is read (NumPy's '>f4' too), and column-major (fortran_order) arrays are stored
 * row-major. An IDX x of rank 3, (N, H, W) as MNIST's image
 * files are, gets a channel: samples are (1, H, W), as torchvision's MNIST gives them.
 */
import type { Dataset, StoredDtype } from './dataset.js';
import { IdxFormatError, parseIdxHeader } from './idx.js';
import { hasNpyMagic, NpyFormatError, npyDataOffset, parseNpyHeader } from './npy.js';

export type BinaryFormat = 'idx' | 'npy';

/** An upload that cannot be a dataset; `path` says where (`x`, `y[12]`, `body`). */
export class BinaryDatasetError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'BinaryDatasetError';
  }
}

/** A header declares more values than the upload limit allows (a 413, before any value arrives). */
export class DeclaredTooLargeError extends Error {
  override name = 'DeclaredTooLargeError';
}

export interface BinaryUploadOptions {
  /** `npy` accepts .npy files only; `idx` reads either, told apart by their magic. */
  format: BinaryFormat;
  maxRows?: number;
  maxFeatures?: number;
  /** The upload limit: a header declaring more bytes of values than this is refused at once. */
  maxBytes?: number;
}

/** How one array's values are laid out in the file. */
interface Source {
  format: BinaryFormat;
  kind: 'u' | 'i' | 'f';
  bytes: 1 | 2 | 4 | 8;
  littleEndian: boolean;
  /** The dtype as the file declares it: NumPy's descr (`<i8`) or the IDX type (`uint8`). */
  declared: string;
  /** NumPy's name of it: `int64`. */
  name: string;
  shape: number[];
  /** The values are column-major (NumPy's fortran_order). */
  fortranOrder: boolean;
}

type Reader = (view: DataView, offset: number) => number;

function reader(s: Source): Reader {
  const le = s.littleEndian;
  if (s.kind === 'f') return s.bytes === 4 ? (v, o) => v.getFloat32(o, le) : (v, o) => v.getFloat64(o, le);
  const signed = s.kind === 'i';
  switch (s.bytes) {
    case 1:
      return signed ? (v, o) => v.getInt8(o) : (v, o) => v.getUint8(o);
    case 2:
      return signed ? (v, o) => v.getInt16(o, le) : (v, o) => v.getUint16(o, le);
    case 4:
      return signed ? (v, o) => v.getInt32(o, le) : (v, o) => v.getUint32(o, le);
    case 8:
      // Exact within ±2^53, and far outside int32's range beyond it, which is all the checks need.
      return (v, o) => {
        const lo = v.getUint32(o + (le ? 0 : 4), le);
        const hi = signed ? v.getInt32(o + (le ? 4 : 0), le) : v.getUint32(o + (le ? 4 : 0), le);
        return hi * 2 ** 32 + lo;
      };
  }
}

const shapeText = (shape: readonly number[]) => `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;

/** NumPy's index of the flat position `k` of an array of `shape`: `x[3, 0, 27]`. */
function indexText(name: string, k: number, shape: readonly number[]): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(k % shape[d]);
    k = Math.floor(k / shape[d]);
  }
  return `${name}[${idx.join(', ')}]`;
}

/** Values allocated when a row-major array's header arrives; the array doubles as more arrive. */
const INITIAL_VALUES = 1 << 16;

/** An array being filled: where its values go and how many are still to come. */
interface Filling {
  name: 'x' | 'y';
  source: Source;
  read: Reader;
  out: Float32Array | Uint8Array | Int32Array;
  count: number;
  done: number;
  /** Throws when value `v`, at flat (row-major) index `k`, cannot be stored; null: any value can. */
  check: ((k: number, v: number) => void) | null;
  /** The row-major index of the `k`th value in the file, when the file is column-major. */
  index: ((k: number) => number) | null;
}

/** Maps the position of a value in a column-major file to its row-major index. */
function fortranIndex(shape: readonly number[]): (k: number) => number {
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  return (k) => {
    let out = 0;
    for (let d = 0; d < shape.length; d++) {
      out += (k % shape[d]) * strides[d];
      k = Math.floor(k / shape[d]);
    }
    return out;
  };
}

export class BinaryDatasetParser {
  private carry: Buffer = Buffer.alloc(0);
  private phase: 'x-header' | 'x-values' | 'y-header' | 'y-values' | 'done' = 'x-header';
  private filling: Filling | null = null;
  private x: Filling | null = null;
  private y: Filling | null = null;
  private received = 0;

  constructor(private readonly options: BinaryUploadOptions) {}

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.received += chunk.length;
    const data =
      this.carry.length > 0
        ? Buffer.concat([this.carry, chunk])
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    this.carry = Buffer.alloc(0);
    let pos = 0;
    while (pos < data.length) {
      if (this.phase === 'done')
        throw new BinaryDatasetError(
          `the body goes on after the labels (y): ${data.length - pos} more bytes; send x's file and then y's file, nothing else`,
          'body',
        );
      if (this.phase === 'x-header' || this.phase === 'y-header') {
        const name = this.phase === 'x-header' ? 'x' : 'y';
        const header = this.header(data.subarray(pos), name);
        if (header === null) break;
        pos += header.dataOffset;
        this.start(name, header.source);
        continue;
      }
      const f = this.filling!;
      const size = f.source.bytes;
      const n = Math.min(f.count - f.done, Math.floor((data.length - pos) / size));
      if (n === 0) break;
      this.decode(f, data, pos, n);
      pos += n * size;
      if (f.done === f.count) this.finish(f);
    }
    if (pos < data.length) this.carry = Buffer.from(data.subarray(pos));
  }

  end(): Dataset {
    const pending = this.carry.length;
    switch (this.phase) {
      case 'x-header':
        throw new BinaryDatasetError(
          this.received === 0
            ? 'the body is empty: send x (the images or samples) and then y (the labels), as IDX or .npy files back to back'
            : `the body ends inside x's header (after ${pending} bytes)`,
          this.received === 0 ? 'body' : 'x',
        );
      case 'y-header':
        throw new BinaryDatasetError(
          pending === 0
            ? 'the body ends after x: y (the labels) must follow it in the same body, e.g. `cat x.npy y.npy | curl --data-binary @- …`'
            : `the body ends inside y's header (after ${pending} bytes)`,
          'y',
        );
      case 'x-values':
      case 'y-values': {
        const f = this.filling!;
        const need = f.count * f.source.bytes;
        const got = f.done * f.source.bytes + pending;
        throw new BinaryDatasetError(
          `the body ends inside ${f.name}'s values: shape ${shapeText(f.source.shape)} of ${f.source.name} needs ${need} bytes, got ${got}`,
          f.name,
        );
      }
    }
    return this.dataset();
  }

  /** The array's header once all of it is in `bytes` (null while more is needed). */
  private header(bytes: Buffer, name: 'x' | 'y'): { dataOffset: number; source: Source } | null {
    const which = name === 'x' ? 'x (the first file)' : 'y (the second file)';
    const isNpy = hasNpyMagic(bytes);
    if (this.options.format === 'npy' && !isNpy)
      throw new BinaryDatasetError(
        `${which} is not a .npy file: bad magic, it must start with \\x93NUMPY`,
        name,
      );
    try {
      if (isNpy) {
        const offset = npyDataOffset(bytes);
        if (offset === null) return null;
        if (offset > 65_536)
          throw new BinaryDatasetError(
            `${which}: the .npy header is ${offset} bytes long; at most 65536`,
            name,
          );
        if (bytes.length < offset) return null;
        const h = parseNpyHeader(bytes);
        const { kind, bytes: size, littleEndian, descr } = h.dtype;
        return {
          dataOffset: h.dataOffset,
          source: {
            format: 'npy',
            kind,
            bytes: size,
            littleEndian,
            declared: descr,
            name: h.dtype.name,
            shape: h.shape,
            // Column-major values are stored row-major as they arrive (the same layout when at most one dimension exceeds 1).
            fortranOrder: h.fortranOrder && h.shape.filter((d) => d > 1).length > 1,
          },
        };
      }
      const h = parseIdxHeader(bytes);
      if (h === null) return null;
      return {
        dataOffset: h.dataOffset,
        source: {
          format: 'idx',
          kind: h.kind,
          bytes: h.bytes,
          littleEndian: false,
          declared: h.dtype,
          name: h.dtype,
          shape: h.shape,
          fortranOrder: false,
        },
      };
    } catch (e) {
      if (e instanceof NpyFormatError || e instanceof IdxFormatError) {
        const expected = this.options.format === 'idx' && !isNpy ? ' (expected an IDX or a .npy file)' : '';
        throw new BinaryDatasetError(`${which}: ${e.message}${expected}`, name);
      }
      throw e;
    }
  }

  /** Checks a complete header against the limits (and y's against x's), and allocates its array. */
  private start(name: 'x' | 'y', source: Source): void {
    const { shape } = source;
    const count = shape.reduce((a, b) => a * b, 1);
    const o = this.options;
    if (name === 'x') {
      if (shape.length < 2)
        throw new BinaryDatasetError(
          `x has shape ${shapeText(shape)}: it needs a dimension for samples and at least one per sample, (N, features) or (N, C, H, W) ...${shape.length === 1 ? '; for one feature per sample save x[:, None]' : ''}`,
          'x',
        );
      const rows = shape[0];
      const features = count / Math.max(rows, 1);
      if (rows === 0) throw new BinaryDatasetError(`x has shape ${shapeText(shape)}: no samples`, 'x');
      if (features === 0)
        throw new BinaryDatasetError(`x has shape ${shapeText(shape)}: its samples are empty`, 'x');
      if (o.maxRows !== undefined && rows > o.maxRows)
        throw new BinaryDatasetError(`x has ${rows} samples; the limit is ${o.maxRows} (MAX_SAMPLES)`, 'x');
      if (o.maxFeatures !== undefined && features > o.maxFeatures)
        throw new BinaryDatasetError(
          `x has ${features} values per sample (shape ${shapeText(shape.slice(1))}); the limit is ${o.maxFeatures} (MAX_FEATURES)`,
          'x',
        );
    } else {
      const rows = this.x!.source.shape[0];
      if (shape.length !== 1)
        throw new BinaryDatasetError(
          `y has shape ${shapeText(shape)}: it must be one label per sample, shape (${rows},)${shape.length === 2 ? ' (for one-hot labels save y.argmax(1))' : ''}`,
          'y',
        );
      if (shape[0] !== rows)
        throw new BinaryDatasetError(`y has ${shape[0]} labels but x has ${rows} samples`, 'y');
    }
    if (o.maxBytes !== undefined && count * source.bytes > o.maxBytes)
      throw new DeclaredTooLargeError(
        `${name}'s header declares ${shapeText(shape)} ${source.name}: ${count * source.bytes} bytes`,
      );
    const read = reader(source);
    const at = (k: number) => indexText(name, k, shape);
    const index = source.fortranOrder ? fortranIndex(shape) : null;
    // Row-major values fill the array in order: it grows as they arrive (a header alone allocates
    // little); column-major ones land anywhere, so their array is allocated whole.
    const initial = index === null ? Math.min(count, INITIAL_VALUES) : count;
    let out: Filling['out'];
    let check: Filling['check'] = null;
    if (source.kind === 'f') {
      out = new Float32Array(initial);
      check = (k, v) => {
        if (!Number.isFinite(v) || Math.abs(v) > 3.4028234663852886e38)
          throw new BinaryDatasetError(
            `${at(k)} is ${v}: values must be finite${source.bytes === 8 ? ' and fit float32' : ''}`,
            at(k),
          );
      };
    } else if (name === 'x' && source.kind === 'u' && source.bytes === 1) {
      out = new Uint8Array(initial);
    } else {
      out = new Int32Array(initial);
      const min = name === 'y' ? 0 : -(2 ** 31);
      check = (k, v) => {
        if (v < min || v >= 2 ** 31)
          throw new BinaryDatasetError(
            name === 'y'
              ? `${at(k)} is ${v}: integer labels are class indices, in [0, 2^31); save y as float32 for real-valued targets`
              : `${at(k)} is ${v}: integer values must fit int32 (they are stored as int32); save x as float32 if they are not token ids`,
            at(k),
          );
      };
    }
    const f: Filling = { name, source, read, out, count, done: 0, check, index };
    if (name === 'x') this.x = f;
    else this.y = f;
    this.filling = f;
    this.phase = name === 'x' ? 'x-values' : 'y-values';
    if (count === 0) this.finish(f);
  }

  private decode(f: Filling, data: Buffer, pos: number, n: number): void {
    if (f.done + n > f.out.length) {
      const grown = new (f.out.constructor as new (n: number) => Filling['out'])(
        Math.min(f.count, Math.max(f.done + n, 2 * f.out.length)),
      );
      grown.set(f.out.subarray(0, f.done));
      f.out = grown;
    }
    const out = f.out;
    if (out instanceof Uint8Array && f.index === null) {
      out.set(data.subarray(pos, pos + n), f.done);
      f.done += n;
      return;
    }
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const size = f.source.bytes;
    const { index, check, read } = f;
    for (let i = 0; i < n; i++) {
      const k = index === null ? f.done + i : index(f.done + i);
      const v = read(view, pos + i * size);
      if (check !== null) check(k, v);
      out[k] = v;
    }
    f.done += n;
  }

  private finish(f: Filling): void {
    this.filling = null;
    this.phase = f.name === 'x' ? 'y-header' : 'done';
  }

  private dataset(): Dataset {
    const x = this.x!;
    const y = this.y!;
    const fileShape = x.source.shape;
    const rows = fileShape[0];
    const sampleShape =
      x.source.format === 'idx' && fileShape.length === 3 ? [1, ...fileShape.slice(1)] : fileShape.slice(1);
    const features = x.count / rows;
    const dtype: StoredDtype =
      x.out instanceof Uint8Array ? 'uint8' : x.out instanceof Int32Array ? 'int32' : 'float32';
    return {
      rows,
      features,
      sampleShape,
      featureNames: Array.from({ length: features }, (_, j) => `x${j}`),
      x: x.out,
      dtype,
      sourceDtype: x.source.declared,
      targetKind: y.source.kind === 'f' ? 'float' : 'class',
      y: y.out as Int32Array | Float32Array,
      targetName: 'y',
    };
  }
}
