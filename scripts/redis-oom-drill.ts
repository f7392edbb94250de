/**
 * `npx tsx scripts/redis-oom-drill.ts [--jobs 6] [--shortage-ms 4000]`: the maxmemory drill. A
 * private redis-server, the API and one worker; `--jobs` jobs are submitted, then Redis is put at
 * `maxmemory 1` (every write refused) for `--shortage-ms` while a client keeps submitting, then
 * memory is given back (`maxmemory 0`). Prints how many jobs were accepted, refused with 503,
 * answered otherwise, and how many accepted jobs finally succeeded; exits 1 if any was lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { closeRedis, createRedis } from '../src/redis/connection.js';
import { EmbeddedRedis } from '../src/redis/embedded.js';
import { createLogger } from '../src/service/logger.js';
import { createApi, startWorker } from '../src/service/runtime.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '6' },
    'shortage-ms': { type: 'string', default: '4000' },
  },
});
const jobs = Number(values.jobs);
const shortageMs = Number(values['shortage-ms']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function job(i: number) {
  const x = Array.from({ length: 120 }, (_, r) =>
    Array.from({ length: 4 }, (_, c) => Math.sin(r * 7 + c * 3 + i)),
  );
  return {
    name: `drill-${i}`,
    model: {
      layers: [
        { type: 'Linear', in_features: 4, out_features: 16 },
        { type: 'ReLU' },
        { type: 'Linear', in_features: 16, out_features: 2 },
      ],
    },
    loss: { type: 'CrossEntropyLoss' },
    optimizer: { type: 'Adam', lr: 0.01 },
    data: { x, y: x.map((r) => (r[0] + r[1] > 0 ? 1 : 0)) },
    training: { epochs: 150, batch_size: 8, shuffle: true, seed: i },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'trainyard-oom-drill-'));
const server = new EmbeddedRedis({ dataDir: dir, persistence: false });
const redisUrl = await server.start();
const config = loadConfig({
  LOG_LEVEL: 'silent',
  KEY_PREFIX: 'drill',
  WORKER_CONCURRENCY: '2',
  RATE_LIMIT_MAX: '100000',
});
const api = await createApi(config, redisUrl, createLogger(config, 'api'));
await api.app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
const worker = await startWorker(config, redisUrl, createLogger(config, 'worker'));
const admin = createRedis(redisUrl, 'producer', 'drill');

const accepted: string[] = [];
const counts = {
  accepted: 0,
  refused503: 0,
  otherStatus: 0,
  readyDuringShortage: 0,
  succeeded: 0,
  failed: 0,
};
let n = 0;
const submit = async () => {
  const res = await fetch(`${base}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(job(n++)),
  });
  const body = (await res.json()) as { id?: string };
  if (res.status === 201 && body.id !== undefined) {
    counts.accepted++;
    accepted.push(body.id);
  } else if (res.status === 503 && res.headers.get('retry-after') !== null) counts.refused503++;
  else counts.otherStatus++;
};

try {
  for (let i = 0; i < jobs; i++) await submit();
  await sleep(500); // let training start
  await admin.config('SET', 'maxmemory', '1');
  const end = Date.now() + shortageMs;
  while (Date.now() < end) {
    await submit();
    if ((await fetch(`${base}/ready`)).status === 200) counts.readyDuringShortage++;
    await sleep(200);
  }
  await admin.config('SET', 'maxmemory', '0');
  for (let i = 0; i < 2; i++) await submit();
  const deadline = Date.now() + 120_000;
  const final = new Map<string, string>();
  while (final.size < accepted.length && Date.now() < deadline) {
    for (const id of accepted) {
      if (final.has(id)) continue;
      const { status } = (await (await fetch(`${base}/v1/jobs/${id}`)).json()) as { status: string };
      if (['succeeded', 'failed', 'cancelled'].includes(status)) final.set(id, status);
    }
    await sleep(200);
  }
  counts.succeeded = [...final.values()].filter((s) => s === 'succeeded').length;
  counts.failed = accepted.length - counts.succeeded;
  process.stdout.write(
    `accepted ${counts.accepted} refused_503 ${counts.refused503} other ${counts.otherStatus} ready_during_shortage ${counts.readyDuringShortage} succeeded ${counts.succeeded} lost ${counts.failed}\n`,
  );
} finally {
  await closeRedis(admin);
  await worker.close();
  await api.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(counts.failed === 0 && counts.otherStatus === 0 ? 0 : 1);
