/**
 * Redis (AOF) stopped and started again while a job runs and another waits: the API answers 503
 * problems quickly while it is down (and /ready says not ready), everything reconnects by itself,
 * and both jobs finish with the weights of an uninterrupted run and every epoch once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  calmRun,
  RestartableRedis,
  type ServiceProcess,
  spawnService,
  weightHash,
} from '../../scripts/lib/service-processes.js';
import { simpleNNJob } from '../helpers/jobs.js';
import {
  request,
  startTestApi,
  type TestApi,
  testConfig,
  waitFor,
  waitForStatus,
} from '../helpers/service.js';

const dir = mkdtempSync(join(tmpdir(), 'trainyard-restart-'));
const redis = new RestartableRedis(dir);
const config = testConfig({ REDIS_COMMAND_TIMEOUT_MS: '1000' });
let api: TestApi;
let worker: ServiceProcess | undefined;

beforeAll(async () => {
  await redis.start();
  api = await startTestApi(config, redis.url);
});

afterAll(async () => {
  worker?.kill('SIGKILL');
  await api?.close();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Redis restarted while jobs are queued and running', () => {
  it('loses nothing; the API fails fast with 503 meanwhile and recovers by itself', async () => {
    const ids: string[] = [];
    for (const seed of [1, 2]) {
      const job = simpleNNJob({ epochs: 800, samples: 300, name: `restart-${seed}` });
      job.training.seed = seed;
      const created = await request(`${api.url}/v1/jobs`, { body: job });
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    const inputs = await Promise.all(
      ids.map((id) => api.api.redis.get(`${config.KEY_PREFIX}:job:${id}:input`)),
    );
    const calm = inputs.map((input) => calmRun(input!));
    worker = await spawnService('worker', {
      REDIS_URL: redis.url,
      KEY_PREFIX: config.KEY_PREFIX,
      WORKER_CONCURRENCY: '1',
      WORKER_LOCK_DURATION_MS: '3000',
      WORKER_STALLED_INTERVAL_MS: '1000',
    });
    await waitFor(async () => {
      const { body } = await request(`${api.url}/v1/jobs/${ids[0]}`);
      return body.progress.epoch >= 100 ? true : undefined;
    });

    await redis.stop();
    const t0 = Date.now();
    const down = await request(`${api.url}/v1/jobs/${ids[0]}`);
    expect(down.status).toBe(503);
    expect(down.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(down.body.code).toBe('redis_unavailable');
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect((await request(`${api.url}/ready`)).status).toBe(503);
    expect((await request(`${api.url}/health`)).status).toBe(200);
    const post = await request(`${api.url}/v1/jobs`, { body: simpleNNJob({ epochs: 5 }) });
    expect(post.status).toBe(503);

    await redis.start();
    await waitFor(async () => ((await request(`${api.url}/ready`)).status === 200 ? true : undefined));
    for (const [i, id] of ids.entries()) {
      const done = await waitForStatus(api.url, id, ['succeeded', 'failed', 'cancelled'], 60_000);
      expect(done.status).toBe('succeeded');
      const model = await fetch(`${api.url}/v1/jobs/${id}/model`);
      const reference = await calm[i];
      expect(weightHash(new Uint8Array(await model.arrayBuffer()))).toBe(reference.hash);
      const metrics = await request(`${api.url}/v1/jobs/${id}/metrics`);
      const epochs = metrics.body.epochs.map((m: { epoch: number }) => m.epoch);
      if (epochs.length !== reference.epochs) console.log(id, JSON.stringify(epochs));
      expect(epochs).toEqual(Array.from({ length: reference.epochs }, (_, k) => k + 1));
    }
  });
});
