/**
 * Every limit answers with a clear problem response (413, 422 or 429) naming the limit, hostile
 * JSON is refused with a 400 naming the problem, and security headers are set.
 */
import { describe, expect, it } from 'vitest';
import { jsonDepth, parseJsonBody } from '../../src/api/safe-json.js';
import { simpleNNJob } from '../helpers/jobs.js';
import { request, startTestApi, testConfig, useTestService } from '../helpers/service.js';

const config = testConfig({
  MAX_BODY_BYTES: '100000',
  MAX_LAYERS: '5',
  MAX_PARAMETERS: '1000',
  MAX_FEATURES: '12',
  MAX_SAMPLE_EPOCHS: '20000',
  MAX_METADATA_BYTES: '64',
  MAX_ACTIVE_JOBS: '3',
  MAX_JSON_DEPTH: '8',
});
const service = useTestService(config, { worker: false }); // no worker: jobs stay queued

// biome-ignore lint/suspicious/noExplicitAny: jobs are edited freely as JSON
type Job = ReturnType<typeof simpleNNJob> & Record<string, any>;
const job = (epochs = 2) => simpleNNJob({ epochs }) as Job;
const post = (body: unknown) => request(`${service.url}/v1/jobs`, { body });
const postRaw = (body: string) =>
  fetch(`${service.url}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('resource limits → 422 limit_exceeded naming the limit', () => {
  const linear = (i: number, o: number) => ({ type: 'Linear', in_features: i, out_features: o });
  const cases: [string, (j: Job) => unknown, string, RegExp][] = [
    [
      'layers',
      (j) => ({ ...j, model: { layers: [linear(10, 2), ...Array(5).fill({ type: 'ReLU' })] } }),
      'model.layers',
      /6 layers; at most 5 per model \(MAX_LAYERS\)/,
    ],
    [
      'parameters',
      (j) => ({ ...j, model: { layers: [linear(10, 100), { type: 'ReLU' }, linear(100, 2)] } }),
      'model',
      /1,302 parameters; at most 1,000 per model \(MAX_PARAMETERS\)/,
    ],
    [
      'parameters, before anything is built (a model of 10^12 weights)',
      (j) => ({ ...j, model: { layers: [linear(10, 1e6), linear(1e6, 1e6), linear(1e6, 2)] } }),
      'model',
      /MAX_PARAMETERS/,
    ],
    [
      'features',
      (j) => ({ ...j, data: { x: j.data.x.map((r: number[]) => [...r, 1, 2, 3]), y: j.data.y } }),
      'data.x',
      /13 features; at most 12 per sample \(MAX_FEATURES\)/,
    ],
    [
      'compute budget (epochs × samples)',
      (j) => ({ ...j, training: { ...j.training, epochs: 201 } }),
      'training.epochs',
      /201 epochs × 100 samples is over the compute budget of 20,000 sample-epochs/,
    ],
    [
      'metadata size',
      (j) => ({ ...j, metadata: { note: 'x'.repeat(80) } }),
      'metadata',
      /bytes of metadata; at most 64 \(MAX_METADATA_BYTES\)/,
    ],
  ];

  it.each(cases)('%s', async (_name, mutate, path, message) => {
    const res = await post(mutate(job()));
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 422, code: 'limit_exceeded', title: 'Limit exceeded' });
    const hit = res.body.errors.find((e: { path: string }) => e.path === path);
    expect(hit?.message).toMatch(message);
  });

  it('request body size → 413', async () => {
    const res = await post({ ...job(), metadata: { a: 'x'.repeat(100_000) } });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ status: 413, code: 'body_too_large' });
    expect(res.body.detail).toMatch(/100000 bytes/);
  });

  it('dataset rows (samples per job) → 400 naming MAX_SAMPLES', async () => {
    const small = testConfig({ MAX_SAMPLES: '50' });
    const local = await startTestApi(small, service.redis.url);
    try {
      const res = await request(`${local.url}/v1/jobs`, { body: job() });
      expect(res.status).toBe(400);
      expect(res.body.errors).toContainEqual({ path: 'data.x', message: 'at most 50 samples per job' });
    } finally {
      await local.close();
    }
  });

  it('queued + running jobs per tenant → 429 too_many_active_jobs', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await post(job());
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    const over = await post(job());
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ status: 429, code: 'too_many_active_jobs' });
    expect(over.body.detail).toMatch(/At most 3 jobs .*MAX_ACTIVE_JOBS/);
    // Nothing of the refused job is left, in the queue or among the tenant's jobs.
    const queue = service.api.api.queue.queue;
    expect(
      (await queue.getJobs(['waiting', 'prioritized', 'delayed', 'active'])).map((j) => j.id).sort(),
    ).toEqual([...ids].sort());
    const listed = await request(`${service.url}/v1/jobs`);
    expect(listed.body.data.map((j: { id: string }) => j.id).sort()).toEqual([...ids].sort());
    // A finished (here: cancelled) job frees its slot.
    await request(`${service.url}/v1/jobs/${ids[0]}/cancel`, { method: 'POST' });
    expect((await post(job())).status).toBe(201);
  });
});

describe('activation memory (MAX_ACTIVATION_BYTES) → 422 naming the layer, before anything is queued', () => {
  // Per sample, by the model of src/engine/nn/activation-memory.ts (float32 = 4 bytes): the input
  // (4 values), the outputs kept by Linear(4, 256), BatchNorm2d, ReLU and Linear(256, 3) (256 +
  // 256 + 256 + 3 values; Unflatten and Flatten are views), the loss (3 values × 12 bytes), and
  // the largest backward transient (256 values in, 256 out); BatchNorm2d saves 16 bytes a channel.
  const perSample = 4 * 4 + 4 * (256 + 256 + 256 + 3) + 3 * 12 + 4 * (256 + 256);
  const stepBytes = (batch: number) => batch * perSample + 4 * 16;
  const max = 500_000;
  expect(stepBytes(150)).toBeGreaterThan(max);
  expect(stepBytes(16)).toBeLessThan(max);
  const model = {
    layers: [
      { type: 'Linear', in_features: 4, out_features: 256 },
      { type: 'Unflatten', dim: 1, unflattened_size: [4, 8, 8] },
      { type: 'BatchNorm2d', num_features: 4 },
      { type: 'ReLU' },
      { type: 'Flatten' },
      { type: 'Linear', in_features: 256, out_features: 3 },
    ],
  };
  const rows = Array.from({ length: 150 }, (_, i) => [Math.sin(i), Math.cos(i), (i % 7) / 7, (i % 3) - 1]);
  const labels = rows.map((_, i) => i % 3);
  const jobWith = (data: unknown, batchSize: number) => ({
    model,
    loss: { type: 'CrossEntropyLoss' },
    optimizer: { type: 'SGD', lr: 0.1 },
    data,
    training: { epochs: 1, batch_size: batchSize },
  });

  it.each([
    ['inline data', (_url: string) => Promise.resolve({ x: rows, y: labels })],
    ['a built-in dataset', (_url: string) => Promise.resolve({ builtin: 'iris' })],
    [
      'an uploaded dataset',
      async (url: string) => {
        const res = await request(`${url}/v1/datasets`, { body: { x: rows, y: labels } });
        expect(res.status).toBe(201);
        return { dataset_id: res.body.id };
      },
    ],
  ])('%s: refused over the limit, accepted under it', async (_name, data) => {
    const local = await startTestApi(testConfig({ MAX_ACTIVATION_BYTES: String(max) }), service.redis.url);
    try {
      const source = await data(local.url);
      const before = await local.api.queue.queue.getJobCounts('waiting', 'prioritized', 'delayed');
      const over = await request(`${local.url}/v1/jobs`, { body: jobWith(source, 150) });
      expect(over.status, JSON.stringify(over.body)).toBe(422);
      expect(over.body).toMatchObject({ status: 422, code: 'limit_exceeded' });
      expect(over.body.errors).toHaveLength(1);
      const [issue] = over.body.errors;
      expect(issue.path).toBe('model.layers[2]'); // BatchNorm2d: its output plus the largest backward
      expect(issue.message).toContain(`needs ${stepBytes(150).toLocaleString('en-US')} bytes`);
      expect(issue.message).toContain('at most 500,000');
      expect(issue.message).toContain('MAX_ACTIVATION_BYTES');
      expect(issue.message).toMatch(/BatchNorm2d layer \(output 150 × 4 × 8 × 8\)/);
      // Nothing of the refused job was stored or queued.
      expect(await local.api.queue.queue.getJobCounts('waiting', 'prioritized', 'delayed')).toEqual(before);
      const ok = await request(`${local.url}/v1/jobs`, { body: jobWith(source, 16) });
      expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    } finally {
      await local.close();
    }
  });

  it('has a default that lets an ordinary image model through', async () => {
    const defaults = testConfig();
    expect(defaults.MAX_ACTIVATION_BYTES).toBe(4 * 1024 ** 3);
    const local = await startTestApi(defaults, service.redis.url);
    try {
      const res = await request(`${local.url}/v1/jobs`, { body: jobWith({ builtin: 'iris' }, 150) });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    } finally {
      await local.close();
    }
  });
});

describe('rate limit per key, held in Redis across API processes', () => {
  it('→ 429 rate_limited with Retry-After, counted per key across two API instances', async () => {
    const keyA = 'tenant-a-key-0123456789';
    const keyB = 'tenant-b-key-0123456789';
    const limited = testConfig({
      RATE_LIMIT_MAX: '10',
      RATE_LIMIT_WINDOW_MS: '60000',
      API_KEYS: `a:${keyA},b:${keyB}`,
    });
    const first = await startTestApi(limited, service.redis.url);
    const second = await startTestApi(limited, service.redis.url);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        for (const instance of [first, second]) {
          const res = await request(`${instance.url}/v1/jobs`, {
            headers: { authorization: `Bearer ${keyA}` },
          });
          statuses.push(res.status);
        }
      }
      expect(statuses.filter((s) => s === 200)).toHaveLength(10);
      expect(statuses.filter((s) => s === 429)).toHaveLength(6);
      const over = await request(`${second.url}/v1/jobs`, { headers: { authorization: `Bearer ${keyA}` } });
      expect(over.body).toMatchObject({ status: 429, code: 'rate_limited' });
      expect(over.body.detail).toMatch(/at most 10 requests per 60000 ms/);
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
      // Another key has its own budget; health is never limited.
      expect(
        (await request(`${first.url}/v1/jobs`, { headers: { authorization: `Bearer ${keyB}` } })).status,
      ).toBe(200);
      expect((await request(`${first.url}/health`)).status).toBe(200);
      const counters = await first.api.redis.keys(`${limited.KEY_PREFIX}:ratelimit:*`);
      expect(counters.length).toBe(2);
    } finally {
      await first.close();
      await second.close();
    }
  });
});

describe('hostile input → 400', () => {
  it('refuses __proto__, constructor and prototype keys anywhere, naming the key', async () => {
    const body = JSON.stringify(job());
    for (const [key, text] of [
      ['__proto__', body.replace('"metadata":{', '"metadata":{"__proto__":{"admin":"1"},')],
      ['constructor', body.replace('"metadata":{', '"metadata":{"constructor":{"x":"1"},')],
      ['prototype', body.replace('"model":{', '"model":{"prototype":1,')],
      ['__proto__', body.replace('"metadata":{', '"metadata":{"\\u005f_proto__":{"admin":"1"},')],
    ]) {
      const res = await postRaw(text);
      expect(res.status).toBe(400);
      const problem = (await res.json()) as { detail: string; errors: unknown[] };
      expect(problem).toMatchObject({ status: 400, code: 'forbidden_key' });
      expect(problem.detail).toContain(`"${key}"`);
    }
    // Values may be anything, even those words.
    const ok = await post({ ...job(), metadata: { note: 'constructor __proto__' } });
    expect(ok.status).not.toBe(400);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('refuses deep nesting before parsing', async () => {
    const deep = `{"metadata":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const res = await postRaw(deep);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'nesting_too_deep' });
    expect(jsonDepth('{"a":"[[[[[[","b":[[1]]}')).toBe(3);
    // Against the parsed value's depth, with escaped quotes and backslashes in keys and values.
    const depthOf = (v: unknown): number =>
      typeof v === 'object' && v !== null ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0;
    for (const text of [
      '{"a\\"[[":"x\\\\","b":{"c":"\\"]]]\\"[","d":[[[]]]}}',
      '[1,[2,[3,{"k":[4]}]]]',
      '{"\\\\":["\\\\\\"{{{"],"e":{}}',
      '"just a string [["',
    ]) {
      expect([text, jsonDepth(text)]).toEqual([text, depthOf(JSON.parse(text))]);
    }
    expect(jsonDepth('[[["unterminated')).toBe(3);
    expect(() => parseJsonBody('[[[[[[[[[1]]]]]]]]]', 8)).toThrow(/deeper than 8/);
  });

  it('refuses huge numbers and non-finite values in data', async () => {
    const base = JSON.stringify(job());
    for (const value of ['1e999', '-1e999', '1e39']) {
      const text = base.replace(/"x":\[\[[^,\]]+/, `"x":[[${value}`);
      const res = await postRaw(text);
      expect(res.status).toBe(400);
      const problem = (await res.json()) as { detail: string; errors: unknown[] };
      expect(problem.errors).toContainEqual({
        path: 'data.x[0][0]',
        message: 'must be a finite float32 number',
      });
    }
    const predict = await request(`${service.url}/v1/jobs/job_00000000000000000000000000/predict`, {
      body: { x: [[1e39]] },
    });
    expect(predict.status).toBe(400);
  });

  it('refuses malformed JSON and unknown content types with 4xx problems', async () => {
    expect((await postRaw('{"a":')).status).toBe(400);
    expect((await postRaw('')).status).toBe(400);
    const xml = await fetch(`${service.url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<job/>',
    });
    expect(xml.status).toBe(415);
  });

  it('never lets a path parameter name another Redis key', async () => {
    const { body } = await post(job());
    for (const id of [`${body.id}:input`, `${body.id}:events`, '*', '..', 'job_x\r\nINFO']) {
      const res = await request(`${service.url}/v1/jobs/${encodeURIComponent(id)}`);
      expect(res.status).toBe(404);
    }
  });
});

describe('security headers', () => {
  it('are set on API responses', async () => {
    const res = await request(`${service.url}/v1/jobs`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age/);
  });

  it('are the same on errors and on the HTML pages', async () => {
    const api1 = await request(`${service.url}/v1/jobs`);
    for (const path of ['/v1/no-such-route', '/docs/', '/dashboard/']) {
      const res = await request(`${service.url}${path}`);
      for (const name of ['x-content-type-options', 'content-security-policy', 'referrer-policy']) {
        expect([path, name, res.headers.get(name)]).toEqual([path, name, api1.headers.get(name)]);
      }
    }
  });
});
