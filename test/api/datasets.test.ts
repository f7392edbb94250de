/**
 * Datasets over HTTP without a worker: uploads in each format, metadata, listing, every kind of
 * bad file (400 naming the row and column), the size limit (413 with the limit), jobs checked
 * against a dataset's metadata before they are queued, and delete refused while a job uses it.
 */
import { describe, expect, it } from 'vitest';
import { request, testConfig, uploadDataset, useTestService } from '../helpers/service.js';

const LIMIT = 4096;

const service = useTestService(testConfig({ MAX_DATASET_BYTES: String(LIMIT) }), { worker: false });

const upload = (body: string | ReadableStream<Uint8Array>, contentType: string, query = '') =>
  uploadDataset(service.url, body, contentType, query);

const CSV = 'sepal,petal,kind\n1,2,cat\n3,4.5,dog\n5,6,cat\n7,8,bird\n';

function job(data: unknown, inFeatures: number, classes: number, extra: Record<string, unknown> = {}) {
  return {
    model: {
      layers: [
        { type: 'Linear', in_features: inFeatures, out_features: 4 },
        { type: 'ReLU' },
        { type: 'Linear', in_features: 4, out_features: classes },
      ],
    },
    loss: { type: 'CrossEntropyLoss' },
    optimizer: { type: 'SGD', lr: 0.1 },
    data,
    training: { epochs: 1, batch_size: 2 },
    ...extra,
  };
}

describe('uploading datasets', () => {
  let csvId: string;

  it('stores a CSV with string labels as class indices with the mapping and statistics', async () => {
    const res = await upload(CSV, 'text/csv', '?target=kind&name=pets');
    expect(res.status).toBe(201);
    csvId = res.body.id;
    expect(csvId).toMatch(/^ds_/);
    expect(res.body).toMatchObject({
      name: 'pets',
      format: 'csv',
      rows: 4,
      features: 2,
      target: { name: 'kind', kind: 'class', classes: 3, labels: ['bird', 'cat', 'dog'] },
      size_bytes: 4 * 2 * 4 + 4 * 4,
    });
    expect(res.body.feature_stats[0]).toEqual({ name: 'sepal', mean: 4, std: Math.sqrt(5), min: 1, max: 7 });
    const got = await request(`${service.url}/v1/datasets/${csvId}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
  });

  it('stores JSON {x, y} with real targets as floats, and lists datasets newest first', async () => {
    const res = await upload(JSON.stringify({ x: [[1], [2], [3]], y: [0.5, 1.5, 2.5] }), 'application/json');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ format: 'json', rows: 3, features: 1, target: { kind: 'float' } });
    expect(res.body.target.classes).toBeUndefined();
    const list = await request(`${service.url}/v1/datasets?limit=1`);
    expect(list.body.data.map((d: { id: string }) => d.id)).toEqual([res.body.id]);
    const next = await request(`${service.url}/v1/datasets?limit=1&cursor=${list.body.next_cursor}`);
    expect(next.body.data[0].id).toBe(csvId);
  });

  it('parses a CSV streamed in chunks (no Content-Length)', async () => {
    const rows = ['a,b,y\n', ...Array.from({ length: 50 }, (_, i) => `${i},${i * 2},${i % 2}\n`)];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const r of rows) controller.enqueue(new TextEncoder().encode(r));
        controller.close();
      },
    });
    const res = await upload(stream, 'text/csv');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      rows: 50,
      features: 2,
      target: { name: 'y', kind: 'class', classes: 2 },
    });
  });

  it.each([
    ['ragged rows', 'a,b,y\n1,2,0\n1,2\n', '', 'row 2', /row 2: expected 3 columns, found 2/],
    ['non-numeric cells', 'a,b,y\n1,2,0\n1,abc,1\n', '', "row 2, column 'b'", /'abc' is not a finite number/],
    ['a missing target column', 'a,b\n1,2\n', '?target=label', "column 'label'", /target column 'label'/],
    ['an empty file', '', '', 'body', /empty/],
  ])('refuses %s with 400 naming the row and column', async (_kind, csv, query, path, message) => {
    const res = await upload(csv, 'text/csv', query);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_dataset');
    expect(res.body.detail).toMatch(message);
    expect(res.body.errors[0].path).toBe(path);
  });

  it('refuses bad JSON datasets naming the cell', async () => {
    const res = await upload(
      JSON.stringify({
        x: [
          [1, 2],
          [3, 'x'],
        ],
        y: [0, 1],
      }),
      'application/json',
    );
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { path: 'x[1][1]', message: 'row 2, column 1: "x" is not a finite number' },
    ]);
    const ragged = await upload(JSON.stringify({ x: [[1, 2], [3]], y: [0, 1] }), 'application/json');
    expect(ragged.body.errors[0].path).toBe('x[1]');
  });

  it('refuses an over-size upload with 413 and the limit, declared or streamed', async () => {
    const big = `a,y\n${'1,0\n'.repeat(LIMIT)}`;
    const declared = await upload(big, 'text/csv');
    expect(declared.status).toBe(413);
    expect(declared.body.detail).toContain(String(LIMIT));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const streamed = await upload(stream, 'text/csv');
    expect(streamed.status).toBe(413);
    expect(streamed.body).toMatchObject({ code: 'upload_too_large' });
  });

  it('refuses other media types with 415', async () => {
    expect((await upload('1,2', 'text/plain')).status).toBe(415);
  });

  it('checks jobs against the dataset before queueing them', async () => {
    const wide = await request(`${service.url}/v1/jobs`, { body: job({ dataset_id: csvId }, 3, 3) });
    expect(wide.status).toBe(400);
    expect(wide.body.errors.map((e: { path: string }) => e.path)).toContain('model.layers[0].in_features');
    const classes = await request(`${service.url}/v1/jobs`, { body: job({ dataset_id: csvId }, 2, 2) });
    expect(classes.status).toBe(400);
    expect(classes.body.errors[0]).toMatchObject({ path: 'data.dataset_id' });
    expect(classes.body.errors[0].message).toMatch(/3 classes/);
    const floats = (await upload(JSON.stringify({ x: [[1, 2]], y: [0.5] }), 'application/json')).body.id;
    const kind = await request(`${service.url}/v1/jobs`, { body: job({ dataset_id: floats }, 2, 3) });
    expect(kind.body.errors[0]).toMatchObject({ path: 'data.dataset_id' });
    expect(kind.body.errors[0].message).toMatch(/real-valued targets; CrossEntropyLoss needs class indices/);
    const missing = await request(`${service.url}/v1/jobs`, {
      body: job({ dataset_id: 'ds_00000000000000000000000000' }, 2, 3),
    });
    expect(missing.body.errors).toEqual([
      { path: 'data.dataset_id', message: 'no dataset with id ds_00000000000000000000000000' },
    ]);
    const oneWide = (await upload(JSON.stringify({ x: [[1]], y: [0] }), 'application/json')).body.id;
    const val = await request(`${service.url}/v1/jobs`, {
      body: job({ dataset_id: csvId }, 2, 3, { validation: { dataset_id: oneWide } }),
    });
    expect(val.body.errors[0]).toMatchObject({ path: 'validation.dataset_id' });
    expect(val.body.errors[0].message).toMatch(/1 features; the training data has 2/);
  });

  it('checks builtin and synthetic data and validation options', async () => {
    const iris = await request(`${service.url}/v1/jobs`, { body: job({ builtin: 'iris' }, 3, 3) });
    expect(iris.body.errors.map((e: { path: string }) => e.path)).toContain('model.layers[0].in_features');
    const blobs = await request(`${service.url}/v1/jobs`, {
      body: job({ synthetic: { type: 'blobs', centers: 5, n_samples: 50 } }, 2, 3),
    });
    expect(blobs.body.errors[0].path).toBe('data');
    expect(blobs.body.errors[0].message).toMatch(/5 classes/);
    const unknown = await request(`${service.url}/v1/jobs`, { body: job({ builtin: 'mnist' }, 4, 3) });
    expect(unknown.body.errors[0].path).toBe('data.builtin');
    const monitor = await request(`${service.url}/v1/jobs`, {
      body: job({ builtin: 'iris' }, 4, 3, {
        training: { epochs: 1, batch_size: 8, early_stopping: { monitor: 'val_loss' } },
      }),
    });
    expect(monitor.body.errors[0].path).toBe('training.early_stopping.monitor');
    const ok = await request(`${service.url}/v1/jobs`, { body: job({ builtin: 'iris' }, 4, 3) });
    expect(ok.status).toBe(201);
    expect(ok.body.spec.data).toEqual({
      samples: 150,
      features: 4,
      sample_shape: [4],
      source: 'builtin',
      builtin: 'iris',
    });
    await request(`${service.url}/v1/jobs/${ok.body.id}/cancel`, { method: 'POST' });
  });

  it('refuses init.safetensors_base64 that is not a safetensors file for the model', async () => {
    const res = await request(`${service.url}/v1/jobs`, {
      body: job({ builtin: 'iris' }, 4, 3, {
        init: { safetensors_base64: Buffer.from('nope').toString('base64') },
      }),
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('init.safetensors_base64');
  });

  it('refuses to delete a dataset while a queued job uses it (409), then deletes it', async () => {
    const created = await request(`${service.url}/v1/jobs`, { body: job({ dataset_id: csvId }, 2, 3) });
    expect(created.status).toBe(201);
    expect(created.body.spec.data).toMatchObject({
      samples: 4,
      features: 2,
      source: 'dataset',
      dataset_id: csvId,
    });
    const refused = await request(`${service.url}/v1/datasets/${csvId}`, { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('dataset_in_use');
    expect(refused.body.detail).toContain(created.body.id);
    await request(`${service.url}/v1/jobs/${created.body.id}/cancel`, { method: 'POST' });
    expect((await request(`${service.url}/v1/datasets/${csvId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await request(`${service.url}/v1/datasets/${csvId}`)).status).toBe(404);
    expect((await request(`${service.url}/v1/datasets/${csvId}`, { method: 'DELETE' })).status).toBe(404);
  });
});
