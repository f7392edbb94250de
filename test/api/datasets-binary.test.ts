/**
 * IDX and .npy dataset uploads over HTTP without a worker, on files written by /usr/bin/python3
 * (IDX by hand with struct, as MNIST's files are laid out; .npy by NumPy): metadata (per-sample
 * shape, dtype and the scaling note, statistics checked against NumPy's), the bytes stored in
 * Redis (1 per uint8 value, 4 per int32 token id), gzipped uploads, every bad input a 4xx naming
 * the problem, the limits, and Embedding jobs checked against an uploaded dataset before queueing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../src/redis/keys.js';
import { request, testConfig, uploadDataset, useTestService } from '../helpers/service.js';

const LIMIT = 200_000;
const config = testConfig({ MAX_DATASET_BYTES: String(LIMIT), MAX_FEATURES: '1000', MAX_SAMPLES: '500' });
const service = useTestService(config, { worker: false });

const GENERATE = `
import gzip, json, struct, sys
import numpy as np

out = sys.argv[1]
rng = np.random.default_rng(1)

def idx(name, a, code):
    with open(f"{out}/{name}", "wb") as f:
        f.write(struct.pack(">BBBB", 0, 0, code, a.ndim))
        f.write(struct.pack(">" + "I" * a.ndim, *a.shape))
        f.write(a.astype(a.dtype.newbyteorder(">")).tobytes())

images = rng.integers(0, 256, (12, 28, 28)).astype(np.uint8)
labels = (np.arange(12) % 4).astype(np.uint8)
idx("images", images, 0x08)
idx("labels", labels, 0x08)
idx("labels11", labels[:11], 0x08)
idx("images_f64", rng.standard_normal((3, 4)), 0x0E)
idx("labels3", labels[:3], 0x08)
for name in ["images", "labels"]:
    with open(f"{out}/{name}", "rb") as f, gzip.open(f"{out}/{name}.gz", "wb") as g:
        g.write(f.read())

tokens = rng.integers(0, 20, (10, 6)).astype(np.int64)
np.save(f"{out}/tokens.npy", tokens)
np.save(f"{out}/token_labels.npy", (tokens[:, 0] % 2).astype(np.int64))
np.save(f"{out}/big_tokens.npy", np.full((2, 3), 2**40, dtype=np.int64))
np.save(f"{out}/y2.npy", np.array([0, 1]))
np.save(f"{out}/f4.npy", rng.standard_normal((5, 3)).astype(">f4"))
np.save(f"{out}/f4_nan.npy", np.array([[1.0, np.nan], [0.0, 1.0]], dtype=np.float32))
np.save(f"{out}/y5.npy", rng.standard_normal(5).astype(np.float32))
np.save(f"{out}/u1.npy", rng.integers(0, 256, (4, 3, 8, 8)).astype(np.uint8))
np.save(f"{out}/y4.npy", np.array([0, 1, 1, 0], dtype=np.int32))
np.save(f"{out}/f2.npy", np.zeros((4, 2), dtype=np.float16))
np.save(f"{out}/neg_labels.npy", np.array([0, -1, 1, 0], dtype=np.int64))
np.save(f"{out}/wide.npy", np.zeros((2, 1, 40, 40), dtype=np.uint8))
np.save(f"{out}/many.npy", np.zeros((501, 1), dtype=np.uint8))
with open(f"{out}/huge_header.npy", "wb") as f:
    np.lib.format.write_array_header_1_0(f, {"descr": "<f4", "fortran_order": False, "shape": (400, 1000)})
np.save(f"{out}/limit_x.npy", np.zeros((500, 100), dtype=np.float32))
np.save(f"{out}/y500.npy", np.zeros(500, dtype=np.int64))

scaled = images.reshape(12, -1) / 255.0
json.dump({
    "images": {"mean": scaled.mean(0).tolist(), "std": scaled.std(0).tolist(),
               "min": scaled.min(0).tolist(), "max": scaled.max(0).tolist()},
    "f4": np.load(f"{out}/f4.npy").astype(np.float64).ravel().tolist(),
    "tokens_min": int(tokens.min()), "tokens_max": int(tokens.max()),
}, open(f"{out}/expected.json", "w"))
`;

let dir: string;
// biome-ignore lint/suspicious/noExplicitAny: NumPy's results, as JSON
let expected: any;
let redis: Redis;
const file = (name: string) => readFileSync(join(dir, name));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trainyard-upload-'));
  const run = spawnSync('/usr/bin/python3', ['-c', GENERATE, dir], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`fixture generation failed: ${run.stderr}`);
  expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
  redis = new Redis(service.redis.url);
});

afterAll(async () => {
  redis?.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

const upload = (body: Buffer | ReadableStream<Uint8Array>, contentType: string, query = '') =>
  uploadDataset(service.url, body, contentType, query);

const both = (...names: string[]) => Buffer.concat(names.map(file));
const storedX = (id: string) => redis.strlen(redisKeys(config.KEY_PREFIX).datasetX(id));

/** The body in small chunks, as a client streaming a file would send it (no Content-Length). */
function chunked(bytes: Buffer, size = 1000): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) controller.close();
      else {
        controller.enqueue(new Uint8Array(bytes.subarray(at, at + size)));
        at += size;
      }
    },
  });
}

describe('IDX uploads (application/octet-stream)', () => {
  let id: string;

  it('stores MNIST-style images + labels: (1, 28, 28) uint8 samples, 1 byte per value, scaled by 1/255', async () => {
    const res = await upload(chunked(both('images', 'labels')), 'application/octet-stream', '?name=digits');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    id = res.body.id;
    expect(res.body).toMatchObject({
      name: 'digits',
      format: 'idx',
      rows: 12,
      features: 784,
      sample_shape: [1, 28, 28],
      x: { dtype: 'uint8', source_dtype: 'uint8', scale: 1 / 255 },
      target: { name: 'y', kind: 'class', classes: 4 },
      size_bytes: 12 * 784 + 12 * 4,
    });
    expect(res.body.x.note).toMatch(/uint8, 1 byte per value.*scaled by 1\/255 to float32 in \[0, 1\]/);
    expect(await storedX(id)).toBe(12 * 784);
    const stats = res.body.feature_stats;
    expect(stats).toHaveLength(784);
    for (const j of [0, 100, 783]) {
      expect(stats[j].mean).toBeCloseTo(expected.images.mean[j], 10);
      expect(stats[j].std).toBeCloseTo(expected.images.std[j], 10);
      expect(stats[j].min).toBeCloseTo(expected.images.min[j], 10);
      expect(stats[j].max).toBeCloseTo(expected.images.max[j], 10);
    }
    const got = await request(`${service.url}/v1/datasets/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
  });

  it('reads the gzipped files as MNIST distributes them, back to back', async () => {
    const res = await upload(both('images.gz', 'labels.gz'), 'application/octet-stream');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const plain = (await request(`${service.url}/v1/datasets/${id}`)).body;
    expect({ ...res.body, id: plain.id, name: plain.name, created_at: plain.created_at }).toEqual(plain);
  });

  it('converts float64 IDX values to float32', async () => {
    const res = await upload(both('images_f64', 'labels3'), 'application/octet-stream');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ sample_shape: [4], x: { dtype: 'float32', source_dtype: 'float64' } });
  });

  it('refuses a bad magic, a labels count that is not the images count, and a missing labels file', async () => {
    const bad = Buffer.from(file('images'));
    bad[0] = 7;
    const magic = await upload(Buffer.concat([bad, file('labels')]), 'application/octet-stream');
    expect(magic.status).toBe(400);
    expect(magic.body.errors[0]).toEqual({ path: 'x', message: expect.stringMatching(/bad magic/) });
    const count = await upload(both('images', 'labels11'), 'application/octet-stream');
    expect(count.status).toBe(400);
    expect(count.body.errors[0]).toEqual({ path: 'y', message: 'y has 11 labels but x has 12 samples' });
    const alone = await upload(file('images'), 'application/octet-stream');
    expect(alone.status).toBe(400);
    expect(alone.body.detail).toMatch(/ends after x: y \(the labels\) must follow/);
    const cut = await upload(file('images').subarray(0, 5000), 'application/octet-stream');
    expect(cut.status).toBe(400);
    expect(cut.body.detail).toMatch(
      /ends inside x's values: shape \(12, 28, 28\) of uint8 needs 9408 bytes, got 4984/,
    );
    const gz = await upload(
      Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(30, 7)]),
      'application/octet-stream',
    );
    expect(gz.status).toBe(400);
    expect(gz.body.detail).toMatch(/starts like gzip but does not inflate/);
  });
});

describe('.npy uploads (application/x-npy)', () => {
  it('stores int64 token ids as int32 (4 bytes each), and an Embedding job is checked against their range', async () => {
    const res = await upload(both('tokens.npy', 'token_labels.npy'), 'application/x-npy');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      format: 'npy',
      rows: 10,
      features: 6,
      sample_shape: [6],
      x: { dtype: 'int32', source_dtype: '<i8', scale: 1 },
      target: { kind: 'class', classes: 2 },
      size_bytes: 10 * 6 * 4 + 10 * 4,
    });
    expect(await storedX(res.body.id)).toBe(10 * 6 * 4);
    const min = Math.min(...res.body.feature_stats.map((f: { min: number }) => f.min));
    const max = Math.max(...res.body.feature_stats.map((f: { max: number }) => f.max));
    expect([min, max]).toEqual([expected.tokens_min, expected.tokens_max]);
    const job = (numEmbeddings: number, normalize?: string) => ({
      model: {
        layers: [
          { type: 'Embedding', num_embeddings: numEmbeddings, embedding_dim: 4 },
          { type: 'Flatten' },
          { type: 'Linear', in_features: 24, out_features: 2 },
        ],
      },
      loss: { type: 'CrossEntropyLoss' },
      optimizer: { type: 'Adam', lr: 0.01 },
      data: { dataset_id: res.body.id },
      training: { epochs: 1, batch_size: 4, ...(normalize === undefined ? {} : { normalize }) },
    });
    const small = await request(`${service.url}/v1/jobs`, { body: job(expected.tokens_max) });
    expect(small.status).toBe(400);
    expect(small.body.errors).toEqual([
      {
        path: 'data.dataset_id',
        message: `dataset ${res.body.id} holds values in [${expected.tokens_min}, ${expected.tokens_max}]; layer 0 is Embedding(${expected.tokens_max}, 4): x holds token ids, integers in [0, ${expected.tokens_max})`,
      },
    ]);
    const standard = await request(`${service.url}/v1/jobs`, { body: job(20, 'standard') });
    expect(standard.status).toBe(400);
    expect(standard.body.errors[0].path).toBe('training.normalize');
    const ok = await request(`${service.url}/v1/jobs`, { body: job(expected.tokens_max + 1) });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body.spec.data).toMatchObject({ dataset_id: res.body.id, samples: 10, sample_shape: [6] });
  });

  it('stores uint8 (N, 3, 8, 8) images as bytes, and refuses them to an Embedding', async () => {
    const res = await upload(both('u1.npy', 'y4.npy'), 'application/x-npy');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      sample_shape: [3, 8, 8],
      x: { dtype: 'uint8', source_dtype: '|u1', scale: 1 / 255 },
      size_bytes: 4 * 192 + 4 * 4,
    });
    expect(await storedX(res.body.id)).toBe(4 * 192);
    const job = await request(`${service.url}/v1/jobs`, {
      body: {
        model: {
          layers: [
            { type: 'Embedding', num_embeddings: 256, embedding_dim: 2 },
            { type: 'Flatten' },
            { type: 'Linear', in_features: 384, out_features: 2 },
          ],
        },
        loss: { type: 'CrossEntropyLoss' },
        optimizer: { type: 'SGD', lr: 0.1 },
        data: { dataset_id: res.body.id },
        training: { epochs: 1, batch_size: 2 },
      },
    });
    expect(job.status).toBe(400);
    expect(job.body.errors[0].message).toMatch(
      /holds uint8 values, scaled to \[0, 1\].*upload them as int32 or int64/,
    );
  });

  it("reads big-endian float32 ('>f4') as float32 with NumPy's values, and float y as real targets; octet-stream works too", async () => {
    const res = await upload(both('f4.npy', 'y5.npy'), 'application/octet-stream');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      format: 'idx',
      sample_shape: [3],
      x: { dtype: 'float32', source_dtype: '>f4', scale: 1 },
      target: { kind: 'float' },
    });
    const f4 = expected.f4 as number[];
    expect(res.body.feature_stats[0].min).toBe(Math.min(...[0, 3, 6, 9, 12].map((k) => Math.fround(f4[k]))));
  });

  it.each([
    ['f2.npy', 'y4.npy', 'x', /unsupported dtype float16 \('<f2'\)/],
    ['tokens.npy', 'y2.npy', 'y', /^y has 2 labels but x has 10 samples$/],
    ['big_tokens.npy', 'y2.npy', 'x[0, 0]', /x\[0, 0\] is 1099511627776: integer values must fit int32/],
    ['f4_nan.npy', 'y2.npy', 'x[0, 1]', /x\[0, 1\] is NaN: values must be finite/],
    ['u1.npy', 'neg_labels.npy', 'y[1]', /y\[1\] is -1: integer labels are class indices/],
    ['tokens.npy', 'tokens.npy', 'y', /y has shape \(10, 6\): it must be one label per sample/],
    ['y4.npy', 'y4.npy', 'x', /x has shape \(4,\).*save x\[:, None\]/],
    [
      'wide.npy',
      'y2.npy',
      'x',
      /x has 1600 values per sample \(shape \(1, 40, 40\)\); the limit is 1000 \(MAX_FEATURES\)/,
    ],
    ['many.npy', 'y2.npy', 'x', /x has 501 samples; the limit is 500 \(MAX_SAMPLES\)/],
  ])('%s then %s: 400 at %s', async (x, y, path, message) => {
    const res = await upload(both(x, y), 'application/x-npy');
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.code).toBe('invalid_dataset');
    expect(res.body.errors[0].path).toBe(path);
    expect(res.body.errors[0].message).toMatch(message);
  });

  it('refuses an IDX file sent as application/x-npy, naming the magic', async () => {
    const res = await upload(both('images', 'labels'), 'application/x-npy');
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toEqual({
      path: 'x',
      message: 'x (the first file) is not a .npy file: bad magic, it must start with \\x93NUMPY',
    });
  });
});

describe('limits and media types', () => {
  it('413 when a header declares more values than the limit, before they arrive', async () => {
    // Only the header of a (400, 1000) float32 array (1,600,000 bytes of values) is sent.
    const res = await upload(file('huge_header.npy'), 'application/x-npy');
    expect(res.status, JSON.stringify(res.body)).toBe(413);
    expect(res.body.detail).toMatch(
      /x's header declares \(400, 1000\) float32: 1600000 bytes\) exceeds the limit of 200000 bytes/,
    );
  });

  it('413 once a streamed body (no Content-Length) passes MAX_DATASET_BYTES; gzipped bodies count inflated', async () => {
    // x alone is exactly the limit's worth of values; with its header and y the body is over it.
    const res = await upload(chunked(both('limit_x.npy', 'y500.npy'), 4096), 'application/x-npy');
    expect(res.status, JSON.stringify(res.body)).toBe(413);
    expect(res.body.detail).toMatch(/exceeds the limit of 200000 bytes \(MAX_DATASET_BYTES\)/);
    const { gzipSync } = await import('node:zlib');
    const gz = await upload(chunked(gzipSync(both('limit_x.npy', 'y500.npy'))), 'application/x-npy');
    expect(gz.status, JSON.stringify(gz.body)).toBe(413);
    expect(gz.body.detail).toMatch(/inflated from gzip/);
  });

  it('415 for other content types, naming the accepted ones', async () => {
    const res = await upload(both('images', 'labels'), 'image/png');
    expect(res.status).toBe(415);
    expect(res.body.detail).toMatch(
      /application\/octet-stream \(IDX or \.npy files\) or application\/x-npy, not image\/png/,
    );
  });

  it('JSON integers are stored as int32 (token ids), fractions as float32', async () => {
    const ints = await upload(
      Buffer.from(
        JSON.stringify({
          x: [
            [1, 2],
            [3, 4],
          ],
          y: [0, 1],
        }),
      ),
      'application/json',
    );
    expect(ints.status).toBe(201);
    expect(ints.body.x).toMatchObject({ dtype: 'int32', source_dtype: null, scale: 1 });
    // 0.9999999999 is 1 in float32, but not an integer: the dataset stays float32.
    const near = await upload(
      Buffer.from(
        JSON.stringify({
          x: [
            [0.9999999999, 2],
            [3, 4],
          ],
          y: [0, 1],
        }),
      ),
      'application/json',
    );
    expect(near.body.x.dtype).toBe('float32');
    const floats = await upload(
      Buffer.from(
        JSON.stringify({
          x: [
            [1.5, 2],
            [3, 4],
          ],
          y: [0, 1],
        }),
      ),
      'application/json',
    );
    expect(floats.body.x).toMatchObject({ dtype: 'float32', source_dtype: null, scale: 1 });
  });
});
