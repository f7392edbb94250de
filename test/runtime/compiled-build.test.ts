/**
 * The compiled build (`npm run build`, what the Docker image runs) runs the whole service from
 * JavaScript: the start script, the worker process it forks and the training threads start from
 * their .js entries, the files read at run time are there, and a job trains to bitwise the weights
 * the TypeScript sources give for the same spec.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServiceProcess, spawnService } from '../../scripts/lib/service-processes.js';
import { mlpModel } from '../helpers/jobs.js';
import { request, useTestService, waitForStatus } from '../helpers/service.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Inside the repository, where the build's imports find node_modules.
const OUT_DIR = join(ROOT, 'dist', `.test-build-${process.pid}`);

const IRIS_JOB = {
  model: mlpModel(4, 8, 3),
  loss: { type: 'CrossEntropyLoss' },
  optimizer: { type: 'Adam', lr: 0.01 },
  data: { builtin: 'iris' },
  training: { epochs: 5, batch_size: 16, seed: 3 },
};

describe('compiled build', () => {
  const source = useTestService();
  let compiled: ServiceProcess | undefined;
  let url = '';

  beforeAll(async () => {
    await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      join(ROOT, 'scripts/build.ts'),
      '--out-dir',
      OUT_DIR,
    ]);
    compiled = await spawnService(
      'all',
      { REDIS_URL: source.redis.url, KEY_PREFIX: 'compiled-build' },
      { start: join(OUT_DIR, 'scripts/start.js') },
    );
    url = compiled.url ?? '';
  }, 120_000);

  afterAll(async () => {
    compiled?.kill('SIGTERM');
    await compiled?.exited;
    rmSync(OUT_DIR, { recursive: true, force: true });
  });

  it('serves the dashboard from its copied files', async () => {
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<html/i);
  });

  it('trains a built-in dataset job to bitwise the weights the sources give', async () => {
    const ids = await Promise.all(
      [url, source.url].map(async (base) => {
        const { status, body } = await request(`${base}/v1/jobs`, { body: IRIS_JOB });
        expect(status, JSON.stringify(body)).toBe(201);
        return body.id as string;
      }),
    );
    const weights = await Promise.all(
      [url, source.url].map(async (base, i) => {
        const done = await waitForStatus(base, ids[i], ['succeeded', 'failed'], 30_000);
        expect(done.status, JSON.stringify(done.error) + compiled?.output()).toBe('succeeded');
        return (await request(`${base}/v1/jobs/${ids[i]}/model?format=json`)).body.state_dict;
      }),
    );
    expect(Object.keys(weights[0]).sort()).toEqual(['0.bias', '0.weight', '2.bias', '2.weight']);
    expect(weights[0]).toEqual(weights[1]);
  });
});
