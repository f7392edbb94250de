/**
 * An API process SIGKILLed while a client follows a job's events: the client reconnects to
 * another API process with `Last-Event-ID` and gets every remaining event, none twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServiceProcess, spawnService } from '../../scripts/lib/service-processes.js';
import { simpleNNJob } from '../helpers/jobs.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { request, startTestWorker, testConfig } from '../helpers/service.js';
import { readSse } from '../helpers/sse.js';

const config = testConfig({ WORKER_CONCURRENCY: '1' });
let redis: TestRedis;
const apis: ServiceProcess[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  const env = { REDIS_URL: redis.url, KEY_PREFIX: config.KEY_PREFIX, RATE_LIMIT_MAX: '100000' };
  apis.push(...(await Promise.all([spawnService('api', env), spawnService('api', env)])));
});

afterAll(async () => {
  for (const api of apis) api.kill('SIGKILL');
  await redis?.stop();
});

/** Reads an event stream into `into` (id, event, epoch) until it ends or breaks. */
async function follow(url: string, into: { id: string; event: string; epoch?: number }[]): Promise<void> {
  try {
    const res = await fetch(url, { headers: { accept: 'text/event-stream' } });
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const field = (name: string) => new RegExp(`^${name}: ?(.*)$`, 'm').exec(block)?.[1];
        const id = field('id');
        const event = field('event');
        if (id !== undefined && event !== undefined) {
          const data = JSON.parse(field('data') ?? 'null');
          into.push({ id, event, ...(event === 'epoch' ? { epoch: data.epoch } : {}) });
        }
        end = buffer.indexOf('\n\n');
      }
    }
  } catch {
    // the server went away
  }
}

async function waitUntil(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('waitUntil: timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('SSE across API processes', () => {
  it('a client of a killed API process resumes on another with Last-Event-ID and misses nothing', async () => {
    const [first, second] = apis;
    const created = await request(`${first.url}/v1/jobs`, {
      body: simpleNNJob({ epochs: 600, samples: 200 }),
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const worker = await startTestWorker(config, redis.url);
    try {
      // Follow the stream on the first process and SIGKILL it mid-stream.
      const seen: { id: string; event: string; epoch?: number }[] = [];
      const cut = follow(`${first.url}/v1/jobs/${id}/events`, seen);
      await waitUntil(() => seen.filter((e) => e.event === 'epoch').length >= 20);
      first.kill('SIGKILL');
      await cut; // the connection breaks
      expect(seen.at(-1)?.event).not.toBe('done');
      const rest = await readSse(`${second.url}/v1/jobs/${id}/events`, {
        headers: { 'last-event-id': seen.at(-1)!.id },
        timeoutMs: 60_000,
      });
      const all = [
        ...seen,
        ...rest.events.map((e) => ({ id: e.id!, event: e.event, epoch: e.data.epoch as number | undefined })),
      ];
      const ids = all.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      const epochs = all.filter((e) => e.event === 'epoch').map((e) => e.epoch);
      expect(epochs).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
      expect(rest.events.at(-1)).toMatchObject({ event: 'done', data: { status: 'succeeded' } });
    } finally {
      await worker.close();
    }
  });
});
