/**
 * `npm run bench:api`: the service half of the performance figures, against a private
 * redis-server and real service processes (the compiled build's `dist/scripts/start.js api|worker`
 * as children, as the Docker image runs them; this process only drives load and measures).
 *
 * - submit: accepted `POST /v1/jobs` per second (full validation, API key, idempotency off) with
 *   autocannon, beside a bare Fastify route doing one BullMQ `add` in the same run (alternated).
 * - queue latency: submit → `running` (the status event's stream id) on an idle worker.
 * - SSE fan-out: N subscribers to one running job; every subscriber must get every event; the
 *   delivery latency is the client's clock at arrival minus the event's stream id (the time the
 *   worker's XADD ran), for events written after every subscriber was connected.
 *
 * Prints `<name> <metric> <value>` lines. Flags: `--seconds 5` per autocannon round, `--rounds 2`,
 * `--connections 32`, `--jobs 40` (latency samples), `--subscribers 1000`, `--epochs 300` (of the
 * fan-out job: 4,000 samples, batch 8), `--only submit|latency|sse`. The submit figures come for an
 * inline-data body and a built-in-dataset body. `--bare-server <redisUrl> <prefix>` is the child
 * role serving the bare route. Diagnostics: `queue-submit-response` (the POST alone), the fan-out's
 * CPU shares (API process, this client process) and first/last subscriber latencies.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Queue } from 'bullmq';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { EmbeddedRedis, freePort } from '../src/redis/embedded.js';
import { redisKeys, TRAINING_QUEUE } from '../src/redis/keys.js';
import { COMPILED_START, type ServiceProcess, spawnService } from './lib/service-processes.js';

const API_KEY = 'bench-key-0123456789abcdef';
/** The service processes run the compiled build, as in production (`npm run bench:api` builds it). */
const COMPILED = { start: COMPILED_START };
const AUTH = { authorization: `Bearer ${API_KEY}` };

/** A small deterministic classification job (the SimpleNN of the README). */
function job(options: { samples: number; epochs: number; batchSize: number }) {
  let s = 12345;
  const next = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
  const x = Array.from({ length: options.samples }, () => Array.from({ length: 10 }, next));
  const y = x.map((row) => (row[0] + row[1] + row[2] > 0 ? 1 : 0));
  return {
    name: 'bench',
    model: {
      layers: [
        { type: 'Linear', in_features: 10, out_features: 20 },
        { type: 'ReLU' },
        { type: 'Linear', in_features: 20, out_features: 2 },
      ],
    },
    loss: { type: 'CrossEntropyLoss' },
    optimizer: { type: 'Adam', lr: 0.01 },
    data: { x, y },
    training: { epochs: options.epochs, batch_size: options.batchSize, shuffle: true, seed: 42 },
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const print = (name: string, metric: string, value: number | string) =>
  process.stdout.write(`${name} ${metric} ${typeof value === 'number' ? +value.toFixed(2) : value}\n`);
const streamMs = (id: string) => Number(id.slice(0, id.indexOf('-')));

// ---------------------------------------------------------------------------------------------
// Child role: the bare route (Fastify parses the JSON body, one BullMQ add, 201).

async function bareServer(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  const queue = new Queue(TRAINING_QUEUE, { connection: redis, prefix: redisKeys(prefix).bullPrefix });
  const app = Fastify({ bodyLimit: 64 * 1024 * 1024 });
  app.post('/enqueue', async (_request, reply) => {
    const id = randomUUID();
    await queue.add(
      'train',
      { job_id: id },
      { jobId: id, attempts: 2, removeOnComplete: true, removeOnFail: { age: 3600 } },
    );
    return reply.code(201).send({ id });
  });
  const port = await freePort();
  await app.listen({ port, host: '127.0.0.1' });
  process.stdout.write(`listening ${port}\n`);
}

// ---------------------------------------------------------------------------------------------

async function cannon(url: string, body: string, seconds: number, connections: number): Promise<number> {
  const result = await autocannon({
    url,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', ...AUTH },
    body,
  });
  const accepted = result['2xx'];
  if (result.non2xx > 0 || result.errors > 0) {
    process.stderr.write(`  ${url}: ${result.non2xx} non-2xx, ${result.errors} errors\n`);
  }
  return accepted / seconds;
}

async function spawnBare(redisUrl: string, prefix: string): Promise<{ url: string; kill(): void }> {
  const { spawn } = await import('node:child_process');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', import.meta.filename, '--bare-server', redisUrl, prefix],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error('bare server exited')));
  });
  return { url: `http://127.0.0.1:${port}/enqueue`, kill: () => child.kill('SIGKILL') };
}

async function benchSubmit(redisUrl: string, args: Args): Promise<void> {
  const prefix = `bench-submit-${randomUUID().slice(0, 8)}`;
  const env = serviceEnv(redisUrl, prefix);
  const api = await spawnService('api', env, COMPILED);
  const bare = await spawnBare(redisUrl, `${prefix}-bare`).catch((err: unknown) => {
    api.kill('SIGKILL');
    throw err;
  });
  // Inline data (the README's SimpleNN, 100 × 10 samples) and a built-in dataset (no data in the body).
  const bodies = {
    inline: JSON.stringify(job({ samples: 100, epochs: 10, batchSize: 16 })),
    builtin: JSON.stringify({ ...irisJob(), data: { builtin: 'iris' } }),
  };
  try {
    for (const [kind, body] of Object.entries(bodies)) {
      const bareRates: number[] = [];
      const apiRates: number[] = [];
      // Warm-up both, then alternate so drift on a shared machine hits both alike.
      await cannon(bare.url, body, 1, args.connections);
      await cannon(`${api.url}/v1/jobs`, body, 1, args.connections);
      for (let r = 0; r < args.rounds; r++) {
        bareRates.push(await cannon(bare.url, body, args.seconds, args.connections));
        apiRates.push(await cannon(`${api.url}/v1/jobs`, body, args.seconds, args.connections));
      }
      const best = (xs: number[]) => Math.max(...xs);
      print(`submit-bare-bullmq-add-${kind}`, 'req_per_s', best(bareRates));
      print(`submit-post-v1-jobs-${kind}`, 'req_per_s', best(apiRates));
      print(`submit-post-v1-jobs-${kind}`, 'ratio_to_bare', best(apiRates) / best(bareRates));
      print(
        `submit-post-v1-jobs-${kind}`,
        'rounds_api_over_bare',
        apiRates.map((v, i) => `${v.toFixed(0)}/${bareRates[i].toFixed(0)}`).join(','),
      );
      print(`submit-post-v1-jobs-${kind}`, 'body_bytes', body.length);
    }
  } finally {
    api.kill('SIGKILL');
    bare.kill();
  }
}

function irisJob() {
  return {
    name: 'bench-iris',
    model: {
      layers: [
        { type: 'Linear', in_features: 4, out_features: 16 },
        { type: 'ReLU' },
        { type: 'Linear', in_features: 16, out_features: 3 },
      ],
    },
    loss: { type: 'CrossEntropyLoss' },
    optimizer: { type: 'Adam', lr: 0.01 },
    training: { epochs: 10, batch_size: 16, shuffle: true, seed: 42 },
  };
}

function serviceEnv(redisUrl: string, prefix: string, extra: Record<string, string> = {}) {
  return {
    REDIS_URL: redisUrl,
    KEY_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    API_KEYS: `bench:${API_KEY}`,
    RATE_LIMIT_MAX: '100000000',
    MAX_ACTIVE_JOBS: '100000000',
    ...extra,
  };
}

/** An API and a worker process (the worker logs at info: `spawnService` waits for "worker started"). */
async function spawnApiAndWorker(
  env: Record<string, string>,
): Promise<{ api: ServiceProcess; worker: ServiceProcess }> {
  const started = await Promise.allSettled([
    spawnService('api', env, COMPILED),
    spawnService('worker', { ...env, LOG_LEVEL: 'info' }, COMPILED),
  ]);
  const [api, worker] = started;
  if (api.status === 'fulfilled' && worker.status === 'fulfilled')
    return { api: api.value, worker: worker.value };
  for (const s of started) if (s.status === 'fulfilled') s.value.kill('SIGKILL'); // no orphan left behind
  throw started.find((s) => s.status === 'rejected')?.reason;
}

async function postJob(url: string, body: string): Promise<string> {
  const res = await fetch(`${url}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...AUTH },
    body,
  });
  if (res.status !== 201) throw new Error(`POST /v1/jobs: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/** Blocks on the job's event stream until an event matches; returns its stream id. */
async function waitForEvent(
  reader: Redis,
  key: string,
  match: (type: string, data: string) => boolean,
): Promise<string> {
  let after = '0';
  for (;;) {
    const result = await reader.xread('BLOCK', 10_000, 'STREAMS', key, after);
    if (result === null) throw new Error(`no event on ${key} within 10 s`);
    for (const [, entries] of result) {
      for (const [id, fields] of entries) {
        after = id;
        const type = fields[fields.indexOf('type') + 1];
        const data = fields[fields.indexOf('data') + 1];
        if (match(type, data)) return id;
      }
    }
  }
}

async function benchLatency(redisUrl: string, args: Args): Promise<void> {
  const prefix = `bench-latency-${randomUUID().slice(0, 8)}`;
  const keys = redisKeys(prefix);
  const env = serviceEnv(redisUrl, prefix, { WORKER_CONCURRENCY: '1' });
  const { api, worker } = await spawnApiAndWorker(env);
  const reader = new Redis(redisUrl);
  const body = JSON.stringify(job({ samples: 100, epochs: 1, batchSize: 100 }));
  const latencies: number[] = [];
  const posts: number[] = [];
  try {
    for (let i = 0; i < args.jobs + 2; i++) {
      const t0 = Date.now();
      const id = await postJob(api.url as string, body);
      const posted = Date.now();
      const running = await waitForEvent(
        reader,
        keys.jobEvents(id),
        (type, data) => type === 'status' && data.includes('"running"'),
      );
      await waitForEvent(reader, keys.jobEvents(id), (type) => type === 'done');
      if (i >= 2) {
        // The first two warm the worker up.
        latencies.push(streamMs(running) - t0);
        posts.push(posted - t0);
      }
      await new Promise((r) => setTimeout(r, 20)); // the worker goes back to waiting
    }
  } finally {
    reader.disconnect();
    api.kill('SIGKILL');
    worker.kill('SIGKILL');
  }
  latencies.sort((a, b) => a - b);
  print('queue-submit-to-running', 'p50_ms', percentile(latencies, 50));
  print('queue-submit-to-running', 'p95_ms', percentile(latencies, 95));
  print('queue-submit-to-running', 'max_ms', latencies[latencies.length - 1]);
  print('queue-submit-to-running', 'samples', latencies.length);
  posts.sort((a, b) => a - b);
  print('queue-submit-response', 'p50_ms', percentile(posts, 50));
}

/** One SSE subscriber: ids in order and live-event latencies. */
interface Subscriber {
  ids: string[];
  latencies: number[];
  ended: Promise<void>;
  connected: Promise<void>;
}

/**
 * One subscriber on a plain TCP socket, its HTTP/1.1 response parsed here (status line, headers,
 * chunked body). A thousand node:http clients spent more CPU reading than the API spent writing
 * to them (their per-chunk stream machinery), on the core the API has while training holds the
 * other: the load generator's CPU showed up as delivery latency.
 */
function subscribe(url: string, liveAfter: { ms: number }): Subscriber {
  const { hostname, port, pathname } = new URL(url);
  const sub = { ids: [] as string[], latencies: [] as number[] } as Subscriber;
  let onConnected: () => void = () => {};
  sub.connected = new Promise((r) => {
    onConnected = r;
  });
  sub.ended = new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let raw = ''; // received, not yet de-chunked (latin1: one character a byte)
    let body = ''; // de-chunked, not yet split into events
    let headers = true;
    let chunkLeft = -1; // bytes left in the current chunk; -1 while its size line is due
    const takeEvents = (now: number) => {
      let end = body.indexOf('\n\n');
      while (end >= 0) {
        const block = body.slice(0, end);
        body = body.slice(end + 2);
        if (block.startsWith('retry:')) onConnected();
        if (block.startsWith('id: ')) {
          const id = block.slice(4, block.indexOf('\n'));
          sub.ids.push(id);
          const written = streamMs(id);
          if (written > liveAfter.ms) sub.latencies.push(now - written);
        }
        end = body.indexOf('\n\n');
      }
    };
    socket.on('data', (chunk: Buffer) => {
      const now = Date.now();
      raw += chunk.toString('latin1');
      for (;;) {
        if (headers) {
          const end = raw.indexOf('\r\n\r\n');
          if (end < 0) break;
          if (!raw.startsWith('HTTP/1.1 200 ')) {
            socket.destroy();
            reject(new Error(`SSE: ${raw.slice(0, raw.indexOf('\r\n'))}`));
            return;
          }
          raw = raw.slice(end + 4);
          headers = false;
        }
        if (chunkLeft < 0) {
          const eol = raw.indexOf('\r\n');
          if (eol < 0) break;
          chunkLeft = Number.parseInt(raw.slice(0, eol), 16);
          raw = raw.slice(eol + 2);
          if (chunkLeft === 0) {
            socket.end(); // the last chunk: the response is complete
            break;
          }
        }
        if (raw.length < chunkLeft + 2) break; // the rest of the chunk and its CRLF are still to come
        body += raw.slice(0, chunkLeft);
        raw = raw.slice(chunkLeft + 2);
        chunkLeft = -1;
      }
      takeEvents(now);
    });
    socket.on('close', () => resolve());
    socket.on('error', reject);
    socket.write(
      `GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\n` +
        `Authorization: ${AUTH.authorization}\r\n\r\n`,
    );
  });
  return sub;
}

async function benchSse(redisUrl: string, args: Args): Promise<void> {
  const prefix = `bench-sse-${randomUUID().slice(0, 8)}`;
  const keys = redisKeys(prefix);
  const env = serviceEnv(redisUrl, prefix, { WORKER_CONCURRENCY: '1', SSE_HEARTBEAT_MS: '5000' });
  const { api, worker } = await spawnApiAndWorker(env);
  const redis = new Redis(redisUrl);
  try {
    // 15-40 ms epochs (4,000 samples, batch 8) for several seconds: an epoch event each.
    const id = await postJob(
      api.url as string,
      JSON.stringify(job({ samples: 4000, epochs: args.epochs, batchSize: 8 })),
    );
    await waitForEvent(
      redis,
      keys.jobEvents(id),
      (type, data) => type === 'status' && data.includes('"running"'),
    );
    const liveAfter = { ms: Number.POSITIVE_INFINITY };
    const url = `${api.url}/v1/jobs/${id}/events`;
    const subs: Subscriber[] = [];
    for (let i = 0; i < args.subscribers; i++) subs.push(subscribe(url, liveAfter));
    await Promise.all(subs.map((s) => s.connected));
    liveAfter.ms = Date.now();
    const connectedAt = Date.now();
    const [apiCpu0, clientCpu0] = [cpuSeconds(api.child.pid), process.cpuUsage()];
    await Promise.all(subs.map((s) => s.ended));
    const apiCpu = cpuSeconds(api.child.pid) - apiCpu0;
    const clientCpu = process.cpuUsage(clientCpu0);
    const all = (await redis.xrange(keys.jobEvents(id), '-', '+')).map(([entryId]) => entryId);
    const complete = subs.filter(
      (s) => s.ids.length === all.length && s.ids.every((v, i) => v === all[i]),
    ).length;
    const latencies = subs.flatMap((s) => s.latencies).sort((a, b) => a - b);
    const live = all.filter((v) => streamMs(v) > liveAfter.ms).length;
    // A job that ended before every subscriber was connected measured nothing live.
    if (live < 10)
      throw new Error(`only ${live} events came after all subscribers connected; raise --epochs`);
    print('sse-fanout', 'subscribers', args.subscribers);
    print('sse-fanout', 'events_per_subscriber', all.length);
    print('sse-fanout', 'live_events', live);
    const liveSeconds = (Date.now() - connectedAt) / 1000;
    print('sse-fanout', 'live_seconds', liveSeconds);
    // CPU per second of the live phase: the API process (fan-out) and this process (the clients).
    print('sse-fanout', 'api_cpu_share', apiCpu / liveSeconds);
    print('sse-fanout', 'client_cpu_share', (clientCpu.user + clientCpu.system) / 1e6 / liveSeconds);
    print('sse-fanout', 'complete_subscribers', complete);
    print('sse-fanout', 'p50_ms', percentile(latencies, 50));
    print('sse-fanout', 'p99_ms', percentile(latencies, 99));
    print('sse-fanout', 'max_ms', latencies[latencies.length - 1] ?? Number.NaN);
    // The server writes to its subscribers in the order they came: the spread between the first
    // and the last is the time one event's fan-out takes (server writes plus this client's reads).
    const p50of = (xs: number[]) =>
      percentile(
        [...xs].sort((a, b) => a - b),
        50,
      );
    print('sse-fanout', 'first_subscriber_p50_ms', p50of(subs[0].latencies));
    print('sse-fanout', 'last_subscriber_p50_ms', p50of(subs[subs.length - 1].latencies));
  } finally {
    redis.disconnect();
    api.kill('SIGKILL');
    worker.kill('SIGKILL');
  }
}

/** User + system CPU seconds of a process so far (Linux /proc; NaN elsewhere). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return Number.NaN;
  }
}

// ---------------------------------------------------------------------------------------------

type Args = {
  seconds: number;
  rounds: number;
  connections: number;
  jobs: number;
  subscribers: number;
  epochs: number;
  only: string | undefined;
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--bare-server') return bareServer(argv[1], argv[2]);
  const { values } = parseArgs({
    args: argv,
    options: {
      seconds: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '2' },
      connections: { type: 'string', default: '32' },
      jobs: { type: 'string', default: '40' },
      subscribers: { type: 'string', default: '1000' },
      epochs: { type: 'string', default: '300' },
      only: { type: 'string' },
    },
  });
  const args: Args = {
    seconds: Number(values.seconds),
    rounds: Number(values.rounds),
    connections: Number(values.connections),
    jobs: Number(values.jobs),
    subscribers: Number(values.subscribers),
    epochs: Number(values.epochs),
    only: values.only,
  };
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-bench-redis-'));
  const server = new EmbeddedRedis({ dataDir: dir, persistence: false });
  const redisUrl = await server.start();
  try {
    if (args.only === undefined || args.only === 'submit') await benchSubmit(redisUrl, args);
    if (args.only === undefined || args.only === 'latency') await benchLatency(redisUrl, args);
    if (args.only === undefined || args.only === 'sse') await benchSse(redisUrl, args);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
