/**
 * Faults with real processes: a worker (`scripts/start.ts worker`, a child process) SIGKILLed
 * mid-run, and one sent SIGTERM. Either way another worker resumes the job from its last epoch
 * checkpoint; the final weights are bitwise identical to an uninterrupted run and the event
 * stream has every epoch exactly once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
import { readSse } from '../helpers/sse.js';

const dir = mkdtempSync(join(tmpdir(), 'trainyard-crash-'));
const redis = new RestartableRedis(dir);
const config = testConfig();
let api: TestApi;
const workers: ServiceProcess[] = [];

const workerEnv = (extra: Record<string, string> = {}) => ({
  REDIS_URL: redis.url,
  KEY_PREFIX: config.KEY_PREFIX,
  WORKER_CONCURRENCY: '1',
  WORKER_LOCK_DURATION_MS: '1500',
  WORKER_STALLED_INTERVAL_MS: '500',
  SHUTDOWN_TIMEOUT_MS: '2000',
  ...extra,
});

async function worker(extra: Record<string, string> = {}): Promise<ServiceProcess> {
  const w = await spawnService('worker', workerEnv(extra));
  workers.push(w);
  return w;
}

beforeAll(async () => {
  await redis.start();
  api = await startTestApi(config, redis.url);
});

afterEach(() => {
  for (const w of workers.splice(0)) w.kill('SIGKILL');
});

afterAll(async () => {
  await api?.close();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Submits a job and computes its uninterrupted result in this process, from the stored input. */
async function submit(job: object) {
  const created = await request(`${api.url}/v1/jobs`, { body: job });
  expect(created.status).toBe(201);
  const id: string = created.body.id;
  const input = await api.api.redis.get(`${config.KEY_PREFIX}:job:${id}:input`);
  return { id, calm: calmRun(input!) };
}

async function waitForEpoch(id: string, atLeast: number) {
  return waitFor(async () => {
    const { body } = await request(`${api.url}/v1/jobs/${id}`);
    return body.progress.epoch >= atLeast ? body.progress.epoch : undefined;
  }, 30_000);
}

async function expectIdenticalAndComplete(id: string, calm: Promise<{ hash: string; epochs: number }>) {
  const done = await waitForStatus(api.url, id, ['succeeded', 'failed', 'cancelled'], 90_000);
  expect(done.status).toBe('succeeded');
  const model = await fetch(`${api.url}/v1/jobs/${id}/model`);
  const reference = await calm;
  expect(weightHash(new Uint8Array(await model.arrayBuffer()))).toBe(reference.hash);
  const sse = await readSse(`${api.url}/v1/jobs/${id}/events`);
  const epochs = sse.events.filter((e) => e.event === 'epoch').map((e) => e.data.epoch);
  expect(epochs).toEqual(Array.from({ length: reference.epochs }, (_, i) => i + 1));
  expect(sse.events.at(-1)).toMatchObject({ event: 'done', data: { status: 'succeeded' } });
  return sse;
}

describe('a worker killed or stopped mid-run', () => {
  it('SIGKILL: another worker resumes from the checkpoint; weights bitwise identical, epochs once', async () => {
    const { id, calm } = await submit(simpleNNJob({ epochs: 1500, samples: 300, name: 'killed' }));
    const first = await worker();
    const killedAt = await waitForEpoch(id, 200);
    first.kill('SIGKILL');
    await first.exited;
    const second = await worker();
    const sse = await expectIdenticalAndComplete(id, calm);
    // It resumed (not restarted): the second worker started after the epochs the first committed.
    expect(second.output()).toMatch(/"resume_after_epoch":(\d+)/);
    const resumedAfter = Number(/"resume_after_epoch":(\d+)/.exec(second.output())![1]);
    expect(resumedAfter).toBeGreaterThanOrEqual(killedAt);
    expect(sse.events.filter((e) => e.event === 'status' && e.data.status === 'running')).toHaveLength(2);
  });

  it('SIGTERM: the worker hands the job back at an epoch boundary and exits 0; it resumes elsewhere', async () => {
    const { id, calm } = await submit(simpleNNJob({ epochs: 1500, samples: 300, name: 'stopped' }));
    const first = await worker();
    await waitForEpoch(id, 200);
    const t0 = Date.now();
    first.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(first.output()).toMatch(/handed back/);
    const handedBack = await request(`${api.url}/v1/jobs/${id}`);
    expect(handedBack.body.status).toBe('queued');
    const second = await worker();
    await expectIdenticalAndComplete(id, calm);
    expect(Number(/"resume_after_epoch":(\d+)/.exec(second.output())![1])).toBe(
      handedBack.body.progress.epoch,
    );
  });
});
