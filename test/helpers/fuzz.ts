/**
 * Property-based fuzzing of the running API with fast-check: generated and mutated job specs,
 * dataset uploads, raw bodies, paths, queries and headers. The property: every response is a 2xx,
 * or a 4xx with an application/problem+json body; never a 5xx. Used by test/api/fuzz.test.ts
 * (fixed seed, bounded runs) and by `npm run fuzz` (scripts/fuzz.ts, longer).
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';

/** Two tenants' keys, and a configuration that keeps generated jobs tiny and the rate limit out of the way. */
export const FUZZ_KEYS = ['fuzz-tenant-a-key-0123456789', 'fuzz-tenant-b-key-0123456789'];
export const FUZZ_ENV: Record<string, string> = {
  API_KEYS: `a:${FUZZ_KEYS[0]},b:${FUZZ_KEYS[1]}`,
  RATE_LIMIT_MAX: '100000',
  MAX_BODY_BYTES: '262144',
  MAX_EPOCHS: '20',
  MAX_SAMPLES: '64',
  MAX_SAMPLE_EPOCHS: '2000',
  MAX_PARAMETERS: '100000',
  MAX_ACTIVE_JOBS: '25',
  WORKER_CONCURRENCY: '1',
};

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

export interface FuzzOutcome {
  requests: number;
  statuses: Record<number, number>;
}

const LAYERS = [
  'Linear',
  'ReLU',
  'Tanh',
  'Sigmoid',
  'GELU',
  'Dropout',
  'LayerNorm',
  'BatchNorm1d',
  'Flatten',
  'Nope',
];
const LOSSES = [
  'CrossEntropyLoss',
  'MSELoss',
  'BCEWithLogitsLoss',
  'NLLLoss',
  'HuberLoss',
  'Custom',
  'KLDivLoss',
];
const OPTIMIZERS = ['Adam', 'SGD', 'AdamW', 'RMSprop', 'Adagrad', 'LBFGS'];
const SCHEDULERS = ['StepLR', 'OneCycleLR', 'CosineAnnealingLR', 'ReduceLROnPlateau', 'CyclicLR', 'Bogus'];

/** A small valid job (4 features, 2 classes, 8 samples), the starting point of mutations. */
export function baseJob(): Record<string, unknown> {
  const x = Array.from({ length: 8 }, (_, i) => [i % 2, (i >> 1) % 2, (i >> 2) % 2, i / 8]);
  return {
    name: 'fuzz',
    metadata: { source: 'fuzz' },
    model: {
      layers: [
        { type: 'Linear', in_features: 4, out_features: 8 },
        { type: 'ReLU' },
        { type: 'Linear', in_features: 8, out_features: 2 },
      ],
    },
    loss: { type: 'CrossEntropyLoss' },
    optimizer: { type: 'Adam', lr: 0.01 },
    data: { x, y: x.map((r) => (r[0] + r[1] > 0 ? 1 : 0)) },
    training: { epochs: 3, batch_size: 4, seed: 1 },
  };
}

/** Nasty leaf values: huge and tiny numbers, wrong types, forbidden words, long strings. */
const nasty = fc.oneof(
  fc.constantFrom(
    0,
    -1,
    1e308,
    -1e308,
    1e39,
    5e-324,
    2 ** 53,
    1.5,
    1e9,
    'NaN',
    'Infinity',
    null,
    true,
    '',
    '__proto__',
  ),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 40 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(...LAYERS, ...LOSSES, ...OPTIMIZERS, ...SCHEDULERS),
);

type Json = unknown;
type Path = (string | number)[];

function paths(value: Json, prefix: Path = [], out: Path[] = [], depth = 0): Path[] {
  out.push(prefix);
  if (depth > 5 || typeof value !== 'object' || value === null) return out;
  const entries = Array.isArray(value)
    ? value.slice(0, 3).map((v, i) => [i, v] as const)
    : Object.entries(value);
  for (const [k, v] of entries) paths(v, [...prefix, k], out, depth + 1);
  return out;
}

function setAt(root: Json, path: Path, value: Json, remove: boolean): Json {
  if (path.length === 0) return remove ? {} : value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const part of path.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (remove) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}

/** A valid job with a few random edits (set a value anywhere, delete a key, add a key). */
const mutatedJob = fc
  .array(fc.tuple(fc.nat(), nasty, fc.constantFrom('set', 'remove', 'add'), fc.string({ maxLength: 12 })), {
    minLength: 1,
    maxLength: 4,
  })
  .map((edits) => {
    let job: Json = baseJob();
    for (const [index, value, kind, key] of edits) {
      const all = paths(job);
      const path = all[index % all.length];
      if (kind === 'add') {
        const target = path.reduce<Json>((n, p) => (n as Record<string | number, unknown>)[p], job);
        if (typeof target === 'object' && target !== null && !Array.isArray(target))
          job = setAt(job, [...path, key], value, false);
      } else job = setAt(job, path, value, kind === 'remove');
    }
    return job;
  });

/** Structurally plausible jobs: random layers, losses, optimizers, schedulers and sizes. */
const plausibleJob = fc
  .record({
    layers: fc.array(
      fc.record({
        type: fc.constantFrom(...LAYERS),
        in_features: fc.oneof(fc.constant(4), fc.integer({ min: -2, max: 1e7 })),
        out_features: fc.oneof(fc.constant(2), fc.integer({ min: -2, max: 1e7 })),
      }),
      { maxLength: 6 },
    ),
    loss: fc.constantFrom(...LOSSES),
    optimizer: fc.record({
      type: fc.constantFrom(...OPTIMIZERS),
      lr: fc.oneof(fc.double(), fc.constant(0.01)),
    }),
    scheduler: fc.option(
      fc.record({ type: fc.constantFrom(...SCHEDULERS), step_size: fc.integer({ min: -1, max: 5 }) }),
    ),
    epochs: fc.integer({ min: -1, max: 1e6 }),
    batch: fc.integer({ min: -1, max: 64 }),
    init: fc.option(
      fc.oneof(
        fc.record({ from_job: fc.string({ maxLength: 30 }) }),
        fc.record({ state_dict: fc.dictionary(fc.string(), nasty) }),
      ),
    ),
  })
  .map(({ layers, loss, optimizer, scheduler, epochs, batch, init }) => ({
    ...baseJob(),
    model: { layers },
    loss: { type: loss },
    optimizer,
    ...(scheduler === null ? {} : { scheduler }),
    ...(init === null ? {} : { init }),
    training: { epochs, batch_size: batch },
  }));

const deepJson = fc.integer({ min: 10, max: 3000 }).map((n) => `{"data":${'['.repeat(n)}${']'.repeat(n)}}`);
const protoJson = fc
  .constantFrom('__proto__', 'constructor', 'prototype', '\\u005f_proto__')
  .map((key) =>
    JSON.stringify(baseJob()).replace('"metadata":{', `"metadata":{"${key}":{"polluted":"yes"},`),
  );
const hugeNumbers = fc
  .constantFrom('1e999', '-1e999', '1e39', '123456789012345678901234567890e300', '-0', '1E400')
  .map((n) => JSON.stringify(baseJob()).replace(/"x":\[\[[^,\]]+/, `"x":[[${n}`));

const jobBody: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: mutatedJob.map((j) => JSON.stringify(j)) },
  { weight: 3, arbitrary: plausibleJob.map((j) => JSON.stringify(j)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((j) => JSON.stringify(j)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: deepJson },
  { weight: 1, arbitrary: protoJson },
  { weight: 1, arbitrary: hugeNumbers },
);

const csvCell = fc.oneof(
  fc.double().map(String),
  fc.integer().map(String),
  fc.constantFrom('', 'NaN', 'inf', '"a,b"', '1e999', 'x'),
);
const csvBody = fc
  .array(fc.array(csvCell, { minLength: 1, maxLength: 5 }), { maxLength: 12 })
  .map((rows) => ['a,b,c,label', ...rows.map((r) => r.join(','))].join('\n'));
/** A .npy file's bytes: a generated header (sometimes nonsense) and values of about its length. */
const npyFile = fc
  .record({
    version: fc.constantFrom(1, 2, 3, 9),
    descr: fc.constantFrom(
      '<f4',
      '>f4',
      '<f8',
      '|u1',
      '<i8',
      '>i8',
      '<i4',
      '<u2',
      '<f2',
      '|b1',
      '<c8',
      "[('a', '<f4')]",
      '?',
    ),
    fortran: fc.constantFrom('False', 'True', '0'),
    shape: fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 4 }),
    header: fc.option(fc.string({ maxLength: 40 }), { freq: 8 }),
    slack: fc.integer({ min: -9, max: 9 }),
    seed: fc.uint8Array({ maxLength: 16 }),
  })
  .map(({ version, descr, fortran, shape, header, slack, seed }) => {
    const text =
      header ??
      `{'descr': ${descr.startsWith('[') ? descr : `'${descr}'`}, 'fortran_order': ${fortran}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
    const dict = Buffer.from(`${text}\n`, 'latin1');
    const lengthBytes = version === 1 ? 2 : 4;
    const prefix = Buffer.alloc(8 + lengthBytes);
    Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(prefix);
    if (version === 1) prefix.writeUInt16LE(dict.length, 8);
    else prefix.writeUInt32LE(dict.length, 8);
    const size = Number(/\d+$/.exec(descr)?.[0] ?? 4);
    const values = Math.max(0, shape.reduce((a, b) => a * b, 1) * size + slack);
    const data = Buffer.alloc(values);
    for (let i = 0; i < values; i++) data[i] = seed.length === 0 ? i : seed[i % seed.length];
    return Buffer.concat([prefix, dict, data]);
  });
/** An IDX file's bytes: a type code (sometimes unknown), dimensions and values of about its length. */
const idxFile = fc
  .record({
    type: fc.constantFrom(0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x07),
    shape: fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 4 }),
    slack: fc.integer({ min: -5, max: 5 }),
    fill: fc.integer({ min: 0, max: 255 }),
  })
  .map(({ type, shape, slack, fill }) => {
    const header = Buffer.alloc(4 + 4 * shape.length);
    header[2] = type;
    header[3] = shape.length;
    for (const [i, d] of shape.entries()) header.writeUInt32BE(d, 4 + 4 * i);
    const size = ({ 8: 1, 9: 1, 11: 2, 12: 4, 13: 4, 14: 8 } as Record<number, number>)[type] ?? 1;
    return Buffer.concat([
      header,
      Buffer.alloc(Math.max(0, shape.reduce((a, b) => a * b, 1) * size + slack), fill),
    ]);
  });
/** Binary dataset uploads: x and y files (IDX, .npy or mixed) back to back, sometimes gzipped, cut or padded. */
const binaryBody = fc
  .record({
    files: fc.array(fc.oneof(npyFile, idxFile), { minLength: 1, maxLength: 3 }),
    gzip: fc.boolean(),
    cut: fc.option(fc.nat(), { freq: 4 }),
  })
  .map(({ files, gzip, cut }) => {
    const body = Buffer.concat(files);
    const sized = cut === null ? body : body.subarray(0, cut % (body.length + 1));
    return new Uint8Array(gzip ? gzipSync(sized) : sized);
  });
const datasetJsonBody = fc.oneof(
  fc
    .record({
      x: fc.array(fc.array(nasty, { maxLength: 4 }), { maxLength: 6 }),
      y: fc.array(nasty, { maxLength: 6 }),
    })
    .map((b) => JSON.stringify(b)),
  fc.jsonValue({ maxDepth: 4 }).map((j) => JSON.stringify(j)),
  protoJson,
);

const headerValue = fc.oneof(
  fc.string({ maxLength: 60 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
  fc.constantFrom(
    'Bearer ',
    'Bearer x',
    'bearer   ',
    'Basic Zm9vOmJhcg==',
    `Bearer ${'k'.repeat(600)}`,
    '__proto__',
  ),
);

/** Builds the request arbitrary; `ids` yields job ids seen so far (so lookups hit real jobs). */
export function requestArbitrary(ids: () => string[], keys: string[]): fc.Arbitrary<FuzzRequest> {
  const jobId = fc.oneof(
    fc.nat().map((i) => ids()[i % Math.max(1, ids().length)] ?? 'job_00000000000000000000000000'),
    fc.string({ maxLength: 40 }).map(encodeURIComponent),
    fc.constantFrom(
      'job_00000000000000000000000000',
      'job_x:input',
      '%2e%2e',
      '*',
      '__proto__',
      'constructor',
    ),
  );
  const auth = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...keys.map((k) => ({ authorization: `Bearer ${k}` }))) },
    { weight: 1, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: headerValue.map((v) => ({ authorization: v })) },
  );
  const extraHeaders = fc.record(
    {
      'idempotency-key': fc.string({ minLength: 0, maxLength: 300 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
      'last-event-id': headerValue,
      'x-request-id': headerValue,
      accept: fc.constantFrom('*/*', 'application/json', 'text/event-stream', 'image/png'),
    },
    { requiredKeys: [] },
  );
  const query = fc.oneof(
    fc.constant(''),
    fc.constantFrom(
      '?status=queued',
      '?limit=0',
      '?limit=1000',
      '?limit=abc',
      '?cursor=%FF',
      '?format=json',
      '?format=xml',
      '?token=v1.a.1.x',
      '?last_event_id=1-0',
    ),
    fc
      .dictionary(
        fc.constantFrom('status', 'limit', 'cursor', 'format', 'token', '__proto__'),
        fc.string({ maxLength: 20 }),
      )
      .map((q) => `?${new URLSearchParams(q).toString()}`),
  );
  const jsonType = fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/octet-stream',
  );

  const submit = fc
    .record({
      body: jobBody,
      type: fc.oneof(
        { weight: 8, arbitrary: fc.constant('application/json') },
        { weight: 1, arbitrary: jsonType },
      ),
    })
    .map(({ body, type }) => ({ method: 'POST', path: '/v1/jobs', headers: { 'content-type': type }, body }));
  const read = fc
    .record({
      method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH'),
      id: jobId,
      suffix: fc.constantFrom('', '/cancel', '/metrics', '/model', '/predict', '/events', '/nope'),
      query,
    })
    .map(({ method, id, suffix, query: q }) => ({
      method,
      path: `/v1/jobs/${id}${suffix}${q}`,
      headers: {},
    }));
  const predict = fc
    .record({ id: jobId, x: fc.oneof(fc.array(fc.array(nasty, { maxLength: 5 }), { maxLength: 4 }), nasty) })
    .map(({ id, x }) => ({
      method: 'POST',
      path: `/v1/jobs/${id}/predict`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ x }),
    }));
  const list = query.map((q) => ({ method: 'GET', path: `/v1/jobs${q}`, headers: {} }));
  const datasets = fc.oneof(
    csvBody.map((body) => ({
      method: 'POST',
      path: '/v1/datasets',
      headers: { 'content-type': 'text/csv' },
      body,
    })),
    datasetJsonBody.map((body) => ({
      method: 'POST',
      path: '/v1/datasets',
      headers: { 'content-type': 'application/json' },
      body,
    })),
    fc
      .record({ body: binaryBody, type: fc.constantFrom('application/octet-stream', 'application/x-npy') })
      .map(({ body, type }) => ({
        method: 'POST',
        path: '/v1/datasets',
        headers: { 'content-type': type },
        body,
      })),
    fc
      .record({
        method: fc.constantFrom('GET', 'DELETE'),
        id: fc.string({ maxLength: 30 }).map(encodeURIComponent),
      })
      .map(({ method, id }) => ({
        method,
        path: `/v1/datasets/${id}`,
        headers: {},
      })),
    query.map((q) => ({ method: 'GET', path: `/v1/datasets${q}`, headers: {} })),
  );
  const misc = fc.constantFrom<FuzzRequest>(
    { method: 'POST', path: '/v1/tokens', headers: {} },
    { method: 'GET', path: '/health', headers: {} },
    { method: 'GET', path: '/v1', headers: {} },
    { method: 'GET', path: '/v1/../../etc/passwd', headers: {} },
    { method: 'OPTIONS', path: '/v1/jobs', headers: {} },
  );

  return fc
    .tuple(
      fc.oneof(
        { weight: 6, arbitrary: submit },
        { weight: 4, arbitrary: read },
        { weight: 2, arbitrary: predict },
        { weight: 1, arbitrary: list },
        { weight: 2, arbitrary: datasets },
        { weight: 1, arbitrary: misc },
      ),
      auth,
      extraHeaders,
    )
    .map(([req, authHeader, extra]) => ({ ...req, headers: { ...extra, ...req.headers, ...authHeader } }));
}

/** Sends one request; returns the status and whether the response is acceptable. */
export async function send(
  baseUrl: string,
  req: FuzzRequest,
): Promise<{ status: number; problem: string | null; body: string }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10_000);
  try {
    const res = await fetch(`${baseUrl}${req.path}`, {
      method: req.method,
      headers: req.headers,
      body: req.body !== undefined && !['GET', 'HEAD'].includes(req.method) ? req.body : undefined,
      signal: controller.signal,
    });
    const type = res.headers.get('content-type') ?? '';
    // Event streams of live jobs stay open: the status line and headers are the answer.
    const body = type.startsWith('text/event-stream') ? '' : await res.text();
    let problem: string | null = null;
    if (res.status >= 500) problem = `5xx: ${body.slice(0, 300)}`;
    else if (res.status >= 400 && !type.startsWith('application/problem+json'))
      problem = `4xx without problem+json (${type})`;
    else if (res.status >= 300 && res.status < 400) problem = `unexpected ${res.status}`;
    return { status: res.status, problem, body };
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/**
 * Runs the property against `baseUrl`. Job ids from successful submissions feed later lookups.
 * Throws (fast-check's report, with the shrunk counterexample) on the first bad response.
 */
export async function fuzzApi(options: {
  baseUrl: string;
  keys: string[];
  seed: number;
  numRuns: number;
}): Promise<FuzzOutcome> {
  const ids: string[] = [];
  const outcome: FuzzOutcome = { requests: 0, statuses: {} };
  await fc.assert(
    fc.asyncProperty(
      requestArbitrary(() => ids, options.keys),
      async (req) => {
        const { status, problem, body } = await send(options.baseUrl, req);
        outcome.requests++;
        outcome.statuses[status] = (outcome.statuses[status] ?? 0) + 1;
        if (status === 201 && req.path === '/v1/jobs') {
          try {
            ids.push((JSON.parse(body) as { id: string }).id);
          } catch {
            // not a job
          }
        }
        if (problem !== null) throw new Error(`${req.method} ${req.path} → ${status}: ${problem}`);
      },
    ),
    { seed: options.seed, numRuns: options.numRuns, endOnFailure: true },
  );
  return outcome;
}
