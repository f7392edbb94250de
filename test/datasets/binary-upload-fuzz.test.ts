/**
 * The binary upload parser on mangled files (fast-check): .npy and IDX bodies written by
 * /usr/bin/python3, with bytes flipped, cut, inserted or spliced, pushed in random chunks. Each
 * either parses to a dataset whose arrays agree with its shape, or is refused with the parser's
 * own error (a 400 or 413 on upload), never anything else (which would be a 500).
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BinaryDatasetError,
  BinaryDatasetParser,
  DeclaredTooLargeError,
} from '../../src/datasets/binary-upload.js';

const GENERATE = String.raw`
import io, struct, sys
import numpy as np

def npy(a, version=None):
    f = io.BytesIO()
    if version is None:
        np.save(f, a)
    else:
        np.lib.format.write_array(f, a, version=version)
    return f.getvalue()

def idx(a, code):
    return struct.pack(">BBBB", 0, 0, code, a.ndim) + struct.pack(">" + "I" * a.ndim, *a.shape) + a.astype(a.dtype.newbyteorder(">")).tobytes()

r = np.random.default_rng(3)
bodies = [
    npy(r.integers(0, 256, (4, 1, 3, 3)).astype(np.uint8)) + npy(np.arange(4)),
    npy(r.standard_normal((3, 5)).astype(">f4"), (2, 0)) + npy(r.standard_normal(3)),
    npy(np.asfortranarray(r.integers(0, 9, (3, 4)))) + npy(np.array([1, 0, 1], dtype=np.int32), (3, 0)),
    idx(r.integers(0, 256, (5, 4, 4)).astype(np.uint8), 0x08) + idx(np.arange(5).astype(np.uint8), 0x08),
    idx(r.standard_normal((2, 3)), 0x0E) + idx(np.array([0.5, 1.5], dtype=np.float32), 0x0D),
]
sys.stdout.write("\n".join(b.hex() for b in bodies))
`;

const run = spawnSync('/usr/bin/python3', ['-c', GENERATE], { encoding: 'utf8' });
const seeds = run.status === 0 ? run.stdout.split('\n').map((h) => Buffer.from(h, 'hex')) : [];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 12 }) }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), other: fc.nat(), from: fc.nat() }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(body: Buffer, m: Mutation): Buffer {
  const at = m.at % (body.length + 1);
  switch (m.kind) {
    case 'flip': {
      const out = Buffer.from(body);
      if (at < out.length) out[at] = m.value;
      return out;
    }
    case 'cut':
      return body.subarray(0, at);
    case 'insert':
      return Buffer.concat([body.subarray(0, at), Buffer.from(m.bytes), body.subarray(at)]);
    case 'splice': {
      const other = seeds[m.other % seeds.length];
      return Buffer.concat([body.subarray(0, at), other.subarray(m.from % (other.length + 1))]);
    }
  }
}

describe('the binary upload parser on mangled files', () => {
  it('generated its seeds with NumPy', () => {
    expect(run.status, run.stderr).toBe(0);
    expect(seeds).toHaveLength(5);
  });

  it('parses consistently or refuses with its own errors, never anything else', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 4 }),
        fc.array(mutation, { maxLength: 3 }),
        fc.integer({ min: 1, max: 64 }),
        fc.constantFrom('idx' as const, 'npy' as const),
        (seed, mutations, chunk, format) => {
          const body = mutations.reduce<Buffer>((b, m) => mutate(b, m), seeds[seed]);
          const parser = new BinaryDatasetParser({
            format,
            maxRows: 100,
            maxFeatures: 100,
            maxBytes: 10_000,
          });
          try {
            for (let i = 0; i < body.length; i += chunk) parser.push(body.subarray(i, i + chunk));
            const d = parser.end();
            expect(d.x.length).toBe(d.rows * d.features);
            expect(d.y.length).toBe(d.rows);
            expect(d.sampleShape!.reduce((a, b) => a * b, 1)).toBe(d.features);
          } catch (e) {
            if (!(e instanceof BinaryDatasetError || e instanceof DeclaredTooLargeError)) throw e;
          }
        },
      ),
      { numRuns: 3000, seed: 42 },
    );
  });
});
