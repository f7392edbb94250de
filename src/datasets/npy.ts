/**
 * The NumPy `.npy` format (numpy.lib.format, https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
 * the magic `\x93NUMPY`, a major and minor version byte (1.0, 2.0 or 3.0), the header's length
 * (a little-endian uint16 in version 1, uint32 in 2 and 3), then the header, the text of a Python
 * dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (60000, 28, 28), }` padded with
 * spaces to a multiple of 64 bytes and ending in a newline, and then the values, row-major unless
 * `fortran_order` is true. Read by hand: only what `np.save` writes for plain numeric arrays.
 */

/** A malformed or unsupported .npy file; the message says what is wrong, for a 400 on upload. */
export class NpyFormatError extends Error {
  override name = 'NpyFormatError';
}

export const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** A numeric dtype as a descr string gives it: kind (u, i, f), size in bytes and byte order. */
export interface NpyDtype {
  /** As the header wrote it: `<f4`, `|u1`, `>i8`. */
  descr: string;
  kind: 'u' | 'i' | 'f';
  bytes: 1 | 2 | 4 | 8;
  littleEndian: boolean;
  /** NumPy's name: `uint8`, `int64`, `float32`. */
  name: string;
}

export interface NpyHeader {
  version: string;
  dtype: NpyDtype;
  fortranOrder: boolean;
  shape: number[];
  /** Bytes before the values: magic, version, length and header. */
  dataOffset: number;
}

/** Whether the bytes start with the .npy magic (only as many bytes as there are are compared). */
export function hasNpyMagic(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, NPY_MAGIC.length);
  for (let i = 0; i < n; i++) if (bytes[i] !== NPY_MAGIC[i]) return false;
  return bytes.length > 0;
}

/**
 * The offset of the values (the whole header's length) once the first 10 (version 1) or 12
 * (versions 2, 3) bytes are there, or null when more bytes are needed.
 */
export function npyDataOffset(bytes: Uint8Array): number | null {
  if (bytes.length < 8) return null;
  if (!hasNpyMagic(bytes))
    throw new NpyFormatError('not a .npy file: it must start with the magic \\x93NUMPY');
  const major = bytes[6];
  if (major !== 1 && major !== 2 && major !== 3)
    throw new NpyFormatError(`unsupported .npy version ${major}.${bytes[7]} (expected 1.0, 2.0 or 3.0)`);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  return 8 + lengthBytes + length;
}

const DTYPE_NAMES = { u: 'uint', i: 'int', f: 'float' } as const;

/** A descr string as a numeric dtype; anything else is refused with a message saying what it is. */
export function parseDescr(descr: unknown): NpyDtype {
  if (typeof descr !== 'string')
    throw new NpyFormatError(
      'the array has a structured dtype (a record array with named fields); save each field as its own plain numeric array',
    );
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  if (m === null) throw new NpyFormatError(`unsupported dtype '${descr}'`);
  const [, order, kind, size] = m;
  const bytes = Number(size);
  const ok =
    ((kind === 'u' || kind === 'i') && [1, 2, 4, 8].includes(bytes)) ||
    (kind === 'f' && (bytes === 4 || bytes === 8));
  if (!ok) {
    const what =
      kind === 'b'
        ? 'bool'
        : kind === 'f'
          ? `float${bytes * 8}`
          : kind === 'c'
            ? 'complex'
            : kind === 'U' || kind === 'S'
              ? 'string'
              : kind === 'O'
                ? 'object'
                : kind === 'M' || kind === 'm'
                  ? 'datetime'
                  : `'${descr}'`;
    throw new NpyFormatError(
      `unsupported dtype ${what} ('${descr}'): arrays must be float32, float64, uint8 or another integer type (x.astype(np.float32) converts)`,
    );
  }
  return {
    descr,
    kind: kind as NpyDtype['kind'],
    bytes: bytes as NpyDtype['bytes'],
    // '|' (one byte) has no order; '=' is the writer's native order, little-endian everywhere NumPy runs today.
    littleEndian: order !== '>',
    name: `${DTYPE_NAMES[kind as NpyDtype['kind']]}${bytes * 8}`,
  };
}

/** The header of a .npy file whose first `npyDataOffset` bytes are in `bytes`. */
export function parseNpyHeader(bytes: Uint8Array): NpyHeader {
  const dataOffset = npyDataOffset(bytes);
  if (dataOffset === null || bytes.length < dataOffset)
    throw new NpyFormatError('the .npy header is cut short');
  const major = bytes[6];
  const start = major === 1 ? 10 : 12;
  const raw = bytes.subarray(start, dataOffset);
  const text = major === 3 ? new TextDecoder('utf-8').decode(raw) : Buffer.from(raw).toString('latin1');
  let dict: unknown;
  try {
    dict = parsePythonLiteral(text);
  } catch (e) {
    throw new NpyFormatError(`the .npy header is not a Python dict literal: ${(e as Error).message}`);
  }
  if (typeof dict !== 'object' || dict === null || Array.isArray(dict) || dict instanceof PyTuple)
    throw new NpyFormatError('the .npy header is not a dict');
  const fields = dict as Record<string, unknown>;
  for (const key of ['descr', 'fortran_order', 'shape'])
    if (!(key in fields)) throw new NpyFormatError(`the .npy header has no '${key}'`);
  const fortran = fields.fortran_order;
  if (typeof fortran !== 'boolean')
    throw new NpyFormatError("the .npy header's fortran_order is not True or False");
  const shape = fields.shape;
  if (
    !(shape instanceof PyTuple) ||
    !shape.items.every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0)
  )
    throw new NpyFormatError("the .npy header's shape is not a tuple of non-negative integers");
  return {
    version: `${major}.${bytes[7]}`,
    dtype: parseDescr(fields.descr),
    fortranOrder: fortran,
    shape: shape.items as number[],
    dataOffset,
  };
}

/** A Python tuple, told apart from a list. */
class PyTuple {
  constructor(readonly items: unknown[]) {}
}

/** Python literals as NumPy writes them: dicts, tuples, lists, strings, ints, True/False/None. */
function parsePythonLiteral(text: string): unknown {
  let i = 0;
  const skip = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const expect = (c: string) => {
    skip();
    if (text[i] !== c)
      throw new Error(`expected '${c}' at ${i}, found ${text[i] === undefined ? 'the end' : `'${text[i]}'`}`);
    i++;
  };
  const sequence = (close: string, item: () => void) => {
    skip();
    while (text[i] !== close) {
      item();
      skip();
      if (text[i] === ',') i++;
      else if (text[i] !== close) throw new Error(`expected ',' or '${close}' at ${i}`);
      skip();
    }
    i++;
  };
  const value = (): unknown => {
    skip();
    const c = text[i];
    if (c === '{') {
      i++;
      const out: Record<string, unknown> = {};
      sequence('}', () => {
        const key = value();
        if (typeof key !== 'string') throw new Error('dict keys must be strings');
        expect(':');
        out[key] = value();
      });
      return out;
    }
    if (c === '(' || c === '[') {
      i++;
      const items: unknown[] = [];
      sequence(c === '(' ? ')' : ']', () => items.push(value()));
      return c === '(' ? new PyTuple(items) : items;
    }
    if (c === "'" || c === '"') {
      i++;
      let s = '';
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\') i++;
        s += text[i++];
      }
      if (i >= text.length) throw new Error('unterminated string');
      i++;
      return s;
    }
    const word = /^(True|False|None|-?\d+L?)/.exec(text.slice(i));
    if (word === null) throw new Error(`unexpected ${c === undefined ? 'end' : `'${c}'`} at ${i}`);
    i += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    return Number(word[0].replace('L', ''));
  };
  const result = value();
  skip();
  if (i !== text.length) throw new Error(`unexpected '${text[i]}' at ${i} after the dict`);
  return result;
}
