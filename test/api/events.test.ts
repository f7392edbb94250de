/**
 * SSE: resume with Last-Event-ID (header or query) with nothing lost or repeated, full history
 * after the job finished, heartbeats, and a second API *process* serving a job the first accepted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
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

  it('frames live events as HTTP/1.1 chunks, and sends an HTTP/1.0 client plain text', async () => {
    // The API frames each live event as a chunk once and writes it to every socket as is; read
    // the raw bytes of both protocol versions and decode HTTP/1.1's chunks by hand.
    const { body } = await request(`${service.url}/v1/jobs`, { body: simpleNNJob({ epochs: 30 }) });
    const { hostname, port } = new URL(service.url);
    const rawGet = (version: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = net.connect(Number(port), hostname);
        let text = '';
        socket.on('data', (chunk: Buffer) => {
          text += chunk.toString('latin1');
          if (text.endsWith('0\r\n\r\n')) socket.end(); // HTTP/1.1's last chunk; 1.0 is closed by the server
        });
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
        socket.write(`GET /v1/jobs/${body.id}/events HTTP/${version}\r\nHost: ${hostname}\r\n\r\n`);
      });
    const [v11, v10] = await Promise.all([rawGet('1.1'), rawGet('1.0')]);
    const dechunk = (payload: string) => {
      let out = '';
      for (let at = 0; ; ) {
        const eol = payload.indexOf('\r\n', at);
        const size = Number.parseInt(payload.slice(at, eol), 16);
        expect(Number.isNaN(size), `chunk size at ${at}`).toBe(false);
        if (size === 0) return out;
        out += payload.slice(eol + 2, eol + 2 + size);
        expect(payload.slice(eol + 2 + size, eol + 4 + size)).toBe('\r\n');
        at = eol + 4 + size;
      }
    };
    const split = (response: string) => response.split('\r\n\r\n', 1)[0].length + 4;
    expect(v11).toMatch(/^HTTP\/1\.1 200 .*\r\ntransfer-encoding: chunked\r\n/is);
    expect(v10).toMatch(/^HTTP\/1\.1 200 /); // node answers 1.0 clients without chunks
    expect(v10).not.toMatch(/transfer-encoding/i);
    const ids = (text: string) => [...text.matchAll(/^id: (.+)$/gm)].map((m) => m[1]);
    const chunked = dechunk(v11.slice(split(v11)));
    const plain = v10.slice(split(v10));
    expect(ids(chunked)).toHaveLength(30 + 4); // queued, running, 30 epochs, succeeded, done
    expect(ids(plain)).toEqual(ids(chunked));
    expect(plain).toBe(chunked);
  });

  it('rejects a malformed Last-Event-ID and unknown jobs', async () => {
    const { body } = await request(`${service.url}/v1/jobs`, { body: simpleNNJob({ epochs: 1 }) });
    const bad = await request(`${service.url}/v1/jobs/${body.id}/events?last_event_id=abc`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('last_event_id');
    const missing = await request(`${service.url}/v1/jobs/job_nope/events`);
    expect(missing.status).toBe(404);
  });

  // Issue 18, item 4: the id matched the pattern, Redis refused it after the hijack, and the
  // stream stayed open with nothing on it.
  it('rejects stream ids out of Redis range, naming the parameter', async () => {
    const { body } = await request(`${service.url}/v1/jobs`, { body: simpleNNJob({ epochs: 1 }) });
    const huge = '99999999999999999999-0';
    const viaQuery = await request(`${service.url}/v1/jobs/${body.id}/events?last_event_id=${huge}`);
    expect(viaQuery.status).toBe(400);
    expect(viaQuery.body.errors[0].path).toBe('last_event_id');
    const viaHeader = await request(`${service.url}/v1/jobs/${body.id}/events`, {
      headers: { 'last-event-id': `1-${huge.split('-')[0]}` },
    });
    expect(viaHeader.status).toBe(400);
    expect(viaHeader.body.errors[0].path).toBe('Last-Event-ID');
    // The largest id Redis accepts is fine.
    const max = await readSse(
      `${service.url}/v1/jobs/${body.id}/events?last_event_id=18446744073709551615-0`,
      {
        timeoutMs: 1000,
      },
    );
    expect(max.status).toBe(200);
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
