/**
 * SSE: resume with Last-Event-ID (header or query) with nothing lost or repeated, full history
 * after the job finished, heartbeats, and a second API *process* serving a job the first accepted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/redis/embedded.js';
import { simpleNNJob } from '../helpers/jobs.js';
import { request, startTestApi, testConfig, useTestService, waitFor } from '../helpers/service.js';
import { readSse } from '../helpers/sse.js';

const config = testConfig();
const service = useTestService(config);

describe('job events over SSE', () => {
  it('resumes after Last-Event-ID with no event lost or repeated', async () => {
    const { body } = await request(`${service.url}/v1/jobs`, { body: simpleNNJob({ epochs: 40 }) });
    const url = `${service.url}/v1/jobs/${body.id}/events`;
    const first = await readSse(url, { stopAfter: 10 });
    expect(first.events).toHaveLength(10);
    const rest = await readSse(url, { headers: { 'last-event-id': first.events[9].id! } });
    const full = await readSse(url);
    const resumed = [...first.events, ...rest.events];
    expect(resumed.map((e) => e.id)).toEqual(full.events.map((e) => e.id));
    expect(resumed).toEqual(full.events);
    expect(full.events.filter((e) => e.event === 'epoch')).toHaveLength(40);
    expect(full.events.at(-1)?.event).toBe('done');

    // The same through ?last_event_id= (for clients that cannot set headers).
    const viaQuery = await readSse(`${url}?last_event_id=${encodeURIComponent(full.events[20].id!)}`);
    expect(viaQuery.events).toEqual(full.events.slice(21));
    // Resuming after `done` returns nothing more, and the stream ends at once.
    const afterDone = await readSse(url, {
      headers: { 'last-event-id': full.events.at(-1)!.id! },
      timeoutMs: 3000,
    });
    expect(afterDone.events).toEqual([]);
    expect(afterDone.closedByServer).toBe(true);
  });

  it('gives a late client the whole history and done, then closes', async () => {
    const { body } = await request(`${service.url}/v1/jobs`, { body: simpleNNJob({ epochs: 3 }) });
    await waitFor(async () => {
      const job = await request(`${service.url}/v1/jobs/${body.id}`);
      return job.body.status === 'succeeded' ? true : undefined;
    });
    const sse = await readSse(`${service.url}/v1/jobs/${body.id}/events`);
    expect(sse.closedByServer).toBe(true);
    expect(sse.events.map((e) => e.event)).toEqual([
      'status',
      'status',
      'epoch',
      'epoch',
      'epoch',
      'status',
      'done',
    ]);
  });

  it('sends heartbeat comments while a job is idle', async () => {
    // A separate prefix with no worker: the job stays queued.
    const idleConfig = testConfig({ SSE_HEARTBEAT_MS: '150' });
    const idle = await startTestApi(idleConfig, service.redis.url);
    try {
      const { body } = await request(`${idle.url}/v1/jobs`, { body: simpleNNJob({ epochs: 1 }) });
      const sse = await readSse(`${idle.url}/v1/jobs/${body.id}/events`, { timeoutMs: 700 });
      expect(sse.events).toHaveLength(1);
      expect(sse.comments.filter((c) => c === 'heartbeat').length).toBeGreaterThanOrEqual(2);
    } finally {
      await idle.close();
    }
  });

  it('rejects a malformed Last-Event-ID and unknown jobs', async () => {
    const { body } = await request(`${service.url}/v1/jobs`, { body: simpleNNJob({ epochs: 1 }) });
    const bad = await request(`${service.url}/v1/jobs/${body.id}/events?last_event_id=abc`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('Last-Event-ID');
    const missing = await request(`${service.url}/v1/jobs/job_nope/events`);
    expect(missing.status).toBe(404);
  });

  it('is served by a second API process for a job the first accepted', async () => {
    const port = await freePort();
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', 'api'], {
      env: {
        ...process.env,
        REDIS_URL: service.redis.url,
        PORT: String(port),
        HOST: '127.0.0.1',
        KEY_PREFIX: config.KEY_PREFIX,
        LOG_LEVEL: 'silent',
      },
      stdio: 'ignore',
    });
    try {
      const other = `http://127.0.0.1:${port}`;
      await waitFor(async () => {
        const res = await fetch(`${other}/ready`).catch(() => null);
        return res?.status === 200 ? true : undefined;
      }, 30_000);
      const { body } = await request(`${service.url}/v1/jobs`, { body: simpleNNJob({ epochs: 20 }) });
      const [here, there] = await Promise.all([
        readSse(`${service.url}/v1/jobs/${body.id}/events`),
        readSse(`${other}/v1/jobs/${body.id}/events`),
      ]);
      expect(there.events.filter((e) => e.event === 'epoch')).toHaveLength(20);
      expect(there.events).toEqual(here.events);
      const job = await request(`${other}/v1/jobs/${body.id}`);
      expect(job.body.status).toBe('succeeded');
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
