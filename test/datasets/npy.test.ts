/**
 * The .npy reader and the binary upload parser against files written by real NumPy
 * (/usr/bin/python3, generated into a temp dir by the script below): headers of versions 1.0, 2.0
 * and 3.0, every supported dtype in both byte orders, column-major arrays, and the values read back
 * compared with NumPy's own `tolist()`, streamed in chunks of every small size. Unsupported
 * dtypes (float16, complex, bool, structured) are refused naming the dtype.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BinaryDatasetError, BinaryDatasetParser } from '../../src/datasets/binary-upload.js';
import { NpyFormatError, npyDataOffset, parseNpyHeader } from '../../src/datasets/npy.js';

const GENERATE = `
import json, sys
import numpy as np
from numpy.lib import format as fmt

out = sys.argv[1]
rng = np.random.default_rng(0)
cases = {}

def save(name, a, version=None, fortran=False):
    a = np.asfortranarray(a) if fortran else a
    with open(f"{out}/{name}.npy", "wb") as f:
        if version is None:
            np.save(f, a)
        else:
            fmt.write_array(f, a, version=version)
    with open(f"{out}/{name}.npy", "rb") as f:
        version_read = fmt.read_magic(f)
        shape, fortran_order, dtype = fmt._read_array_header(f, version_read)
        offset = f.tell()
    cases[name] = {
        "version": "%d.%d" % version_read,
        "descr": fmt.dtype_to_descr(dtype),
        "shape": list(shape),
        "fortran_order": fortran_order,
        "offset": offset,
        "values": np.asarray(a, dtype=np.float64).ravel(order="C").tolist(),
    }

save("u1", rng.integers(0, 256, (5, 1, 4, 3)).astype(np.uint8))
save("f4", rng.standard_normal((6, 7)).astype(np.float32))
save("f4_be", rng.standard_normal((6, 7)).astype(">f4"))
save("f8", rng.standard_normal((4, 3)))
save("i8", rng.integers(0, 50, (6, 9)).astype(np.int64))
save("i8_be", rng.integers(-1000, 1000, (3, 5)).astype(">i8"))
save("i4", rng.integers(-5, 5, (4, 2)).astype(np.int32))
save("u2", rng.integers(0, 60000, (3, 4)).astype(np.uint16))
save("i1", rng.integers(-100, 100, (2, 3)).astype(np.int8))
save("fortran", rng.standard_normal((3, 4, 5)).astype(np.float32), fortran=True)
save("v2", rng.standard_normal((2, 3)).astype(np.float32), version=(2, 0))
save("v3", rng.standard_normal((2, 3)).astype(np.float32), version=(3, 0))
# More values than the parser allocates at first (65,536): its arrays grow as values arrive.
save("big_f4", rng.standard_normal((300, 250)).astype(np.float32))
save("big_u1", rng.integers(0, 256, (100, 1, 40, 25)).astype(np.uint8))
save("labels", np.array([0, 1, 2, 1, 0, 2], dtype=np.int64))
save("targets", rng.standard_normal(6).astype(np.float32))
np.save(f"{out}/f2.npy", np.zeros((2, 2), dtype=np.float16))
np.save(f"{out}/c8.npy", np.zeros((2, 2), dtype=np.complex64))
np.save(f"{out}/bool.npy", np.zeros((2, 2), dtype=bool))
np.save(f"{out}/structured.npy", np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]))
for n in [*range(2, 7), 100, 300]:
    np.save(f"{out}/mod3_{n}.npy", np.arange(n) % 3)
np.save(f"{out}/linspace5.npy", np.linspace(0, 1, 5, dtype=np.float32))
json.dump(cases, open(f"{out}/cases.json", "w"))
`;

interface Case {
  version: string;
  descr: string;
  shape: number[];
  fortran_order: boolean;
  offset: number;
  values: number[];
}

let dir: string;
let cases: Record<string, Case>;
const file = (name: string) => readFileSync(join(dir, `${name}.npy`));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trainyard-npy-'));
  const run = spawnSync('/usr/bin/python3', ['-c', GENERATE, dir], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`numpy fixture generation failed: ${run.stderr}`);
  cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Parses x then y pushed in chunks of `chunk` bytes. */
function parse(bytes: Buffer, chunk: number, format: 'npy' | 'idx' = 'npy') {
  const parser = new BinaryDatasetParser({ format });
  for (let i = 0; i < bytes.length; i += chunk) parser.push(bytes.subarray(i, i + chunk));
  return parser.end();
}

/** Stored values against NumPy's (as float64), each rounded to float32 as storing them does. */
function expectClose(got: ArrayLike<number>, want: number[]) {
  expect(Array.from(got)).toEqual(want.map(Math.fround));
}

describe('.npy headers', () => {
  it('reads what NumPy wrote: version, descr, shape, fortran_order and where the values start', () => {
    for (const [name, c] of Object.entries(cases)) {
      const h = parseNpyHeader(file(name));
      expect(h.version, name).toBe(c.version);
      expect(h.dtype.descr, name).toBe(c.descr);
      expect(h.shape, name).toEqual(c.shape);
      expect(h.fortranOrder, name).toBe(c.fortran_order);
      expect(h.dataOffset, name).toBe(c.offset);
      expect(npyDataOffset(file(name).subarray(0, 12))).toBe(c.offset);
    }
  });

  it('refuses a bad magic and an unknown version', () => {
    const bad = Buffer.from(file('f4'));
    bad[1] = 0x4f;
    expect(() => parseNpyHeader(bad)).toThrow(/magic \\x93NUMPY/);
    const v9 = Buffer.from(file('f4'));
    v9[6] = 9;
    expect(() => parseNpyHeader(v9)).toThrow(/unsupported \.npy version 9\.0/);
  });

  it.each([
    ['f2', /float16 \('<f2'\)/],
    ['c8', /complex \('<c8'\)/],
    ['bool', /bool \('\|b1'\)/],
    ['structured', /structured dtype/],
  ])('refuses dtype %s naming it', (name, message) => {
    expect(() => parseNpyHeader(file(name))).toThrow(NpyFormatError);
    expect(() => parseNpyHeader(file(name))).toThrow(message);
  });
});

describe('x and y from .npy files back to back', () => {
  it.each([
    ['u1', 'uint8'],
    ['f4', 'float32'],
    ['f4_be', 'float32'],
    ['f8', 'float32'],
    ['i8', 'int32'],
    ['i8_be', 'int32'],
    ['i4', 'int32'],
    ['u2', 'int32'],
    ['i1', 'int32'],
    ['fortran', 'float32'],
    ['v2', 'float32'],
    ['v3', 'float32'],
    ['big_f4', 'float32'],
    ['big_u1', 'uint8'],
  ])('%s: values equal NumPy’s, in any chunking, stored as %s', (name, dtype) => {
    const c = cases[name];
    const rows = c.shape[0];
    // A labels file with as many entries as x has rows, written by NumPy too.
    const y = file(`mod3_${rows}`);
    const body = Buffer.concat([file(name), y]);
    for (const chunk of body.length > 10_000 ? [7, 4093, body.length] : [1, 3, 7, 64, body.length]) {
      const d = parse(body, chunk);
      expect(d.dtype).toBe(dtype);
      expect(d.sourceDtype).toBe(c.descr);
      expect(d.rows).toBe(rows);
      expect(d.sampleShape).toEqual(c.shape.slice(1));
      expectClose(d.x, c.values);
      expect(d.targetKind).toBe('class');
      expect(Array.from(d.y)).toEqual(Array.from({ length: rows }, (_, i) => i % 3));
    }
  });

  it('uint8 x stays one byte per value; float32 y are real targets', () => {
    const u = cases.u1;
    const x5 = file('u1');
    const y5 = file('linspace5');
    const d = parse(Buffer.concat([x5, y5]), 5);
    expect(d.x).toBeInstanceOf(Uint8Array);
    expect(d.x.byteLength).toBe(u.values.length);
    expect(d.targetKind).toBe('float');
    expect(d.y).toBeInstanceOf(Float32Array);
  });

  it('names what is wrong: labels count, y shape, a missing y, trailing bytes, x with one dimension', () => {
    const fails = (body: Buffer, message: RegExp, path: string) => {
      let caught: unknown;
      try {
        parse(body, 16);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(BinaryDatasetError);
      expect((caught as Error).message).toMatch(message);
      expect((caught as BinaryDatasetError).path).toBe(path);
    };
    fails(Buffer.concat([file('f4'), file('i8')]), /y has shape \(6, 9\)/, 'y');
    fails(Buffer.concat([file('f8'), file('labels')]), /y has 6 labels but x has 4 samples/, 'y');
    fails(file('f4'), /ends after x: y \(the labels\) must follow/, 'y');
    fails(
      Buffer.concat([file('i8'), file('labels'), Buffer.from([1, 2, 3])]),
      /goes on after the labels/,
      'body',
    );
    fails(Buffer.concat([file('labels'), file('labels')]), /x has shape \(6,\).*x\[:, None\]/, 'x');
    fails(
      file('f4').subarray(0, 200),
      /ends inside x's values: shape \(6, 7\) of float32 needs 168 bytes/,
      'x',
    );
    fails(Buffer.from('x,y\n1,2\n'), /x \(the first file\) is not a \.npy file: bad magic/, 'x');
  });
});
