/**
 * The generated SDK (openapi/sdk) is current with openapi/openapi.json, and works against the
 * running service: create a job, follow its events to `done`, download the model. No hand-written
 * fetch calls here.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createClient as generate } from '@hey-api/openapi-ts';
import { describe, expect, it } from 'vitest';
import { type FollowedEvent, followJobEvents } from '../../openapi/follow.js';
import { createClient } from '../../openapi/sdk/client/index.js';
import { createJob, getJob, getJobModel, predict } from '../../openapi/sdk/index.js';
import configPromise, { SDK_OUTPUT } from '../../openapi-ts.config.js';
import { simpleNNJob } from '../helpers/jobs.js';
import { testConfig, useTestService } from '../helpers/service.js';

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(relative(dir, path), readFileSync(path, 'utf8'));
  }
  return out;
}

describe('generated SDK', () => {
  it('matches openapi/openapi.json (run `npm run sdk` when this fails)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainyard-sdk-'));
    try {
      const config = await configPromise;
      await generate({
        ...config,
        output: { ...(config.output as object), path: dir },
        logs: { level: 'silent' },
      } as never);
      const fresh = files(dir);
      const committed = files(SDK_OUTPUT);
      expect([...committed.keys()].sort()).toEqual([...fresh.keys()].sort());
      const stale = [...fresh].filter(([path, text]) => committed.get(path) !== text).map(([path]) => path);
      expect(stale).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SDK against the running service', () => {
  const key = 'sdk-test-key-0123456789abcdef';
  const service = useTestService(testConfig({ API_KEYS: `acme:${key}` }));

  it('creates a job, follows its events to done, and downloads the model', async () => {
    const client = createClient({ baseUrl: service.url, headers: { authorization: `Bearer ${key}` } });
    const { data: job } = await createJob({
      client,
      body: simpleNNJob({ epochs: 12 }) as never,
      throwOnError: true,
    });
    expect(job.status).toBe('queued');

    const events: FollowedEvent[] = [];
    for await (const event of followJobEvents(job.id, { client })) events.push(event);
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'epoch')).toHaveLength(12);
    expect(types.at(-1)).toBe('done');
    const last = events.findLast((e) => e.type === 'epoch');
    expect(last?.type === 'epoch' && last.data.epoch).toBe(12);
    expect(events.every((e) => typeof e.id === 'string')).toBe(true);

    const { data: finished } = await getJob({ client, path: { id: job.id }, throwOnError: true });
    expect(finished.status).toBe('succeeded');
    const { data: bytes } = await getJobModel({
      client,
      path: { id: job.id },
      parseAs: 'arrayBuffer',
      throwOnError: true,
    });
    const buffer = Buffer.from(bytes as unknown as ArrayBuffer);
    const headerLength = Number(buffer.readBigUInt64LE(0));
    const header = JSON.parse(buffer.subarray(8, 8 + headerLength).toString('utf8'));
    expect(header['0.weight'].shape).toEqual([20, 10]);
    const { data: outputs } = await predict({
      client,
      path: { id: job.id },
      body: { x: [new Array(10).fill(0.5)] },
      throwOnError: true,
    });
    expect(outputs.outputs).toHaveLength(1);
  });

  it('resumes after an event id (Last-Event-ID)', async () => {
    const client = createClient({ baseUrl: service.url, headers: { authorization: `Bearer ${key}` } });
    const { data: job } = await createJob({
      client,
      body: simpleNNJob({ epochs: 5 }) as never,
      throwOnError: true,
    });
    const all: FollowedEvent[] = [];
    for await (const event of followJobEvents(job.id, { client })) all.push(event);
    const rest: FollowedEvent[] = [];
    for await (const event of followJobEvents(job.id, { client, lastEventId: all[3].id })) rest.push(event);
    expect(rest).toEqual(all.slice(4));
  });
});
