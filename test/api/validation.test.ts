/**
 * Complete validation before anything is enqueued: each kind of bad spec gets a 400
 * application/problem+json whose `errors` name every bad field by path.
 */
import { describe, expect, it } from 'vitest';
import { simpleNNJob } from '../helpers/jobs.js';
import { request, testConfig, useTestService } from '../helpers/service.js';

const service = useTestService(testConfig({ MAX_EPOCHS: '1000', MAX_SAMPLES: '500' }), { worker: false });

// biome-ignore lint/suspicious/noExplicitAny: bad specs are built by editing JSON freely
type Job = ReturnType<typeof simpleNNJob> & Record<string, any>;

const cases: [string, (job: Job) => unknown, { path: string; message?: RegExp }[]][] = [
  [
    'unknown optimizer type',
    (j) => ({ ...j, optimizer: { type: 'Adamm', lr: 0.01 } }),
    [{ path: 'optimizer.type', message: /unknown optimizer type 'Adamm'/ }],
  ],
  [
    'negative learning rate',
    (j) => ({ ...j, optimizer: { type: 'Adam', lr: -1 } }),
    [{ path: 'optimizer.lr', message: /Invalid learning rate: -1/ }],
  ],
  [
    'bad Adam betas',
    (j) => ({ ...j, optimizer: { type: 'Adam', lr: 0.01, betas: [1.5, 0.999] } }),
    [{ path: 'optimizer.betas[0]' }],
  ],
  [
    'unknown layer type',
    (j) => ({ ...j, model: { layers: [{ type: 'Conv4d' }] } }),
    [{ path: 'model.layers[0].type' }],
  ],
  [
    'unknown layer kwarg',
    (j) => ({ ...j, model: { layers: [{ type: 'Linear', in_features: 10, out_features: 2, bais: true }] } }),
    [{ path: 'model.layers[0].bais', message: /unknown keyword argument 'bais'/ }],
  ],
  [
    'first layer width ≠ width of x',
    (j) => ({ ...j, model: { layers: [{ type: 'Linear', in_features: 7, out_features: 2 }] } }),
    [{ path: 'model.layers[0].in_features' }],
  ],
  [
    'Linear in_features ≠ previous out_features',
    (j) => ({
      ...j,
      model: {
        layers: [
          { type: 'Linear', in_features: 10, out_features: 20 },
          { type: 'ReLU' },
          { type: 'Linear', in_features: 21, out_features: 2 },
        ],
      },
    }),
    [{ path: 'model.layers[2].in_features' }],
  ],
  [
    'class index out of range',
    (j) => ({ ...j, data: { ...j.data, y: j.data.y.map((v: number, i: number) => (i === 3 ? 5 : v)) } }),
    [{ path: 'data.y[3]' }],
  ],
  ['y length ≠ samples', (j) => ({ ...j, data: { ...j.data, y: j.data.y.slice(1) } }), [{ path: 'data.y' }]],
  [
    'ragged x',
    (j) => ({ ...j, data: { ...j.data, x: [[1, 2], ...j.data.x.slice(1)] } }),
    [{ path: 'data.x[1]', message: /expected 2 values like data.x\[0\], got 10/ }],
  ],
  [
    'non-numeric x',
    (j) => ({
      ...j,
      data: { ...j.data, x: j.data.x.map((r: number[], i: number) => (i === 0 ? ['a', ...r.slice(1)] : r)) },
    }),
    [{ path: 'data.x[0][0]', message: /must be a finite float32 number/ }],
  ],
  ['missing data', ({ data: _d, ...j }) => j, [{ path: 'data' }]],
  [
    'missing loss and training',
    ({ loss: _l, training: _t, ...j }) => j,
    [{ path: 'loss' }, { path: 'training' }],
  ],
  [
    'zero batch size',
    (j) => ({ ...j, training: { ...j.training, batch_size: 0 } }),
    [{ path: 'training.batch_size' }],
  ],
  [
    'epochs over the limit',
    (j) => ({ ...j, training: { ...j.training, epochs: 5000 } }),
    [{ path: 'training.epochs', message: /at most 1000/ }],
  ],
  [
    'samples over the limit',
    (j) => ({ ...j, data: { x: Array(600).fill(j.data.x[0]), y: Array(600).fill(0) } }),
    [{ path: 'data.x', message: /at most 500/ }],
  ],
  [
    'scheduler kwarg',
    (j) => ({ ...j, scheduler: { type: 'StepLR', step_size: 0 } }),
    [{ path: 'scheduler.step_size' }],
  ],
  [
    'grad_clip max_norm',
    (j) => ({ ...j, training: { ...j.training, grad_clip: { max_norm: -1 } } }),
    [{ path: 'training.grad_clip.max_norm' }],
  ],
  ['unknown top-level key', (j) => ({ ...j, epochs: 3 }), [{ path: 'epochs' }]],
  ['metadata not strings', (j) => ({ ...j, metadata: { team: 3 } }), [{ path: 'metadata.team' }]],
  [
    'init state_dict wrong shape',
    (j) => ({ ...j, init: { state_dict: { '0.weight': [[1]] } } }),
    [
      { path: 'init.state_dict["0.weight"]', message: /size mismatch/ },
      { path: 'init.state_dict["0.bias"]', message: /Missing key/ },
    ],
  ],
  [
    'init state_dict unexpected key',
    (j) => ({ ...j, init: { state_dict: { '9.weight': [1] } } }),
    [{ path: 'init.state_dict["9.weight"]', message: /Unexpected key/ }],
  ],
  [
    'init from an unknown job',
    (j) => ({ ...j, init: { from_job: 'job_00000000000000000000000000' } }),
    [{ path: 'init.from_job', message: /no job/ }],
  ],
  [
    'loss/target mismatch (MSELoss needs 2 outputs per sample)',
    (j) => ({ ...j, loss: { type: 'MSELoss' } }),
    [{ path: 'data.y' }],
  ],
  // Issue 18, item 6: these were accepted and failed in the worker.
  [
    'Custom loss that does not reduce to a scalar',
    (j) => ({ ...j, loss: { type: 'Custom', expression: 'cross_entropy(input, target, reduction="none")' } }),
    [{ path: 'loss.expression', message: /scalar/ }],
  ],
  [
    'Custom loss that is elementwise',
    (j) => ({ ...j, loss: { type: 'Custom', expression: '(input - 1)^2 + 0.01 * l2(params)' } }),
    [{ path: 'loss.expression', message: /scalar/ }],
  ],
];

describe('POST /v1/jobs validation', () => {
  it.each(cases)('%s → 400 naming the field', async (_name, mutate, expected) => {
    const res = await request(`${service.url}/v1/jobs`, { body: mutate(simpleNNJob() as Job) });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400, code: 'validation_failed', title: 'Invalid request' });
    const paths = res.body.errors.map((e: { path: string }) => e.path);
    for (const want of expected) {
      const hit = res.body.errors.find((e: { path: string }) => e.path === want.path);
      expect(hit, `expected an error at ${want.path}, got ${JSON.stringify(res.body.errors)}`).toBeDefined();
      if (want.message !== undefined) expect(hit.message).toMatch(want.message);
    }
    expect(paths.length).toBeGreaterThan(0);
  });

  it('reports every bad field at once, across spec and data', async () => {
    const job = simpleNNJob() as Job;
    const res = await request(`${service.url}/v1/jobs`, {
      body: {
        ...job,
        optimizer: { type: 'Adam', lr: -1 },
        model: { layers: [{ type: 'Linear', in_features: 7, out_features: 2 }] },
        data: { ...job.data, y: job.data.y.map((v: number, i: number) => (i === 4 ? 9 : v)) },
      },
    });
    expect(res.status).toBe(400);
    const paths = res.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['optimizer.lr', 'model.layers[0].in_features']));
  });

  it('rejects a body that is not JSON object', async () => {
    const res = await fetch(`${service.url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[1,2]',
    });
    expect(res.status).toBe(400);
    const bad = await fetch(`${service.url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"x":',
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('enqueues nothing for invalid jobs', async () => {
    const list = await request(`${service.url}/v1/jobs`);
    expect(list.body.data).toEqual([]);
    expect(await service.api.api.queue.queue.count()).toBe(0);
  });

  // Issue 18, item 6: a UTF-16 body used to be decoded as UTF-8.
  it('refuses JSON in a charset other than UTF-8 with 415', async () => {
    const body = JSON.stringify(simpleNNJob({ epochs: 1 }));
    for (const charset of ['utf-16', 'UTF-16LE', 'latin1']) {
      const res = await fetch(`${service.url}/v1/jobs`, {
        method: 'POST',
        headers: { 'content-type': `application/json; charset=${charset}` },
        body: Buffer.from(body, 'utf16le'),
      });
      expect(res.status, charset).toBe(415);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await res.text()).toContain('charset');
    }
    const utf8 = await fetch(`${service.url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset="UTF-8"' },
      body,
    });
    expect(utf8.status).toBe(201);
  });

  // Issue 18, item 6: a garbage cursor used to give an empty page (or a 500).
  it('refuses a garbage cursor on list endpoints, naming cursor', async () => {
    for (const path of ['/v1/jobs', '/v1/datasets']) {
      for (const cursor of ['garbage', 'AAAA', '%00%01', '-1']) {
        const res = await request(`${service.url}${path}?cursor=${cursor}`);
        expect(res.status, `${path}?cursor=${cursor}`).toBe(400);
        expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['cursor']);
      }
    }
  });

  it('accepts Custom losses that reduce to a scalar', async () => {
    for (const expression of ['mean(softmax(input, 1)) + 0.01 * l2(params)', 'sum(input, dim=[0, 1])']) {
      const job = { ...simpleNNJob({ epochs: 1 }), loss: { type: 'Custom', expression } };
      const res = await request(`${service.url}/v1/jobs`, { body: job });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      await request(`${service.url}/v1/jobs/${res.body.id}/cancel`, { method: 'POST' });
    }
  });

  it('validates query parameters', async () => {
    const res = await request(`${service.url}/v1/jobs?status=done&limit=0`);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['limit', 'status']);
  });
});

/** (N, ...) inputs: images and signals, checked for one consistent shape and through the model. */
describe('N-d inputs', () => {
  const images = (n: number, c: number, h: number, w: number) =>
    Array.from({ length: n }, (_, i) =>
      Array.from({ length: c }, (_, ch) =>
        Array.from({ length: h }, (_, r) =>
          Array.from({ length: w }, (_, q) => ((i + ch + r * w + q) % 7) / 7),
        ),
      ),
    );
  const job = (x: unknown, layers: unknown[], n = 8) => ({
    model: { layers },
    loss: { type: 'CrossEntropyLoss' },
    optimizer: { type: 'SGD', lr: 0.1 },
    training: { epochs: 1, batch_size: 4 },
    data: { x, y: Array.from({ length: n }, (_, i) => i % 2) },
  });
  const post = (body: unknown) => request(`${service.url}/v1/jobs`, { body });
  const cnn = (inChannels: number, linearIn: number) => [
    { type: 'Conv2d', in_channels: inChannels, out_channels: 2, kernel_size: 3 },
    { type: 'ReLU' },
    { type: 'MaxPool2d', kernel_size: 2 },
    { type: 'Flatten' },
    { type: 'Linear', in_features: linearIn, out_features: 2 },
  ];

  it('names the first sample that does not match the first one’s shape', async () => {
    const x = images(8, 2, 3, 1).map((s) => s.map((c) => c.map((r) => r[0])));
    x[3][1] = [0.5, 0.5];
    const res = await post(
      job(x, [{ type: 'Flatten' }, { type: 'Linear', in_features: 6, out_features: 2 }]),
    );
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { path: 'data.x[3][1]', message: 'expected 3 values like data.x[0][1], got 2' },
    ]);
    const deep = images(8, 1, 2, 2);
    (deep[5][0][1] as unknown[])[1] = 'a';
    const bad = await post(
      job(deep, [{ type: 'Flatten' }, { type: 'Linear', in_features: 4, out_features: 2 }]),
    );
    expect(bad.body.errors).toEqual([
      { path: 'data.x[5][0][1][1]', message: 'must be a finite float32 number' },
    ]);
    const flat = images(8, 1, 2, 2);
    flat[2][0] = [1, 2] as never;
    const mixed = await post(
      job(flat, [{ type: 'Flatten' }, { type: 'Linear', in_features: 4, out_features: 2 }]),
    );
    expect(mixed.body.errors[0]).toEqual({
      path: 'data.x[2][0][0]',
      message: 'expected an array of 2 values like data.x[0][0][0], got the number 1',
    });
  });

  it('checks Flatten → Linear and Conv2d channels against the per-sample shape before queueing', async () => {
    const wrongLinear = await post(
      job(
        images(8, 2, 3, 1).map((s) => s.map((c) => c.map((r) => r[0]))),
        [{ type: 'Flatten' }, { type: 'Linear', in_features: 5, out_features: 2 }],
      ),
    );
    expect(wrongLinear.status).toBe(400);
    expect(wrongLinear.body.errors.map((e: { path: string }) => e.path)).toEqual([
      'model.layers[1].in_features',
    ]);
    expect(wrongLinear.body.errors[0].message).toMatch(/6/);
    const channels = await post(job(images(8, 3, 6, 6), cnn(1, 8)));
    expect(channels.status).toBe(400);
    expect(channels.body.errors[0].path).toMatch(/^model\.layers\[0\]/);
    expect(channels.body.errors[0].message).toMatch(/3/);
    const ok = await post(job(images(8, 1, 6, 6), cnn(1, 8)));
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body.spec.data).toMatchObject({ samples: 8, features: 36, sample_shape: [1, 6, 6] });
    await request(`${service.url}/v1/jobs/${ok.body.id}/cancel`, { method: 'POST' });
  });

  it('refuses x without a per-sample dimension, and counts MAX_FEATURES per sample', async () => {
    const res = await post(
      job([1, 2, 3, 4, 5, 6, 7, 8], [{ type: 'Linear', in_features: 1, out_features: 2 }]),
    );
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('data.x');
  });
});
