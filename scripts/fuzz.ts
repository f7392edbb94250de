/**
 * The long fuzz run (`npm run fuzz [-- <runs> [seed]]`, default 20000 runs, random seed): a
 * private redis-server, the API and a real worker process, then fast-check's generated requests
 * (test/helpers/fuzz.ts). Prints the request count and the statuses seen; exits 1 on the first
 * 5xx or non-problem 4xx (with the shrunk counterexample and the seed to replay it).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { EmbeddedRedis } from '../src/redis/embedded.js';
import { createLogger } from '../src/service/logger.js';
import { createApi } from '../src/service/runtime.js';
import { baseJob, FUZZ_ENV, FUZZ_KEYS, fuzzApi, send } from '../test/helpers/fuzz.js';

const runs = Number(process.argv[2] ?? 20_000);
const seed = Number(process.argv[3] ?? Math.floor(Math.random() * 2 ** 31));
const dir = mkdtempSync(join(tmpdir(), 'trainyard-fuzz-'));
const redis = new EmbeddedRedis({ dataDir: dir, persistence: false });
const redisUrl = await redis.start();
const env = { ...FUZZ_ENV, REDIS_URL: redisUrl, KEY_PREFIX: 'fuzz', LOG_LEVEL: 'silent' };
const config = loadConfig(env);
const api = await createApi(config, redisUrl, createLogger(config, 'api'));
await api.app.listen({ port: 0, host: '127.0.0.1' });
const address = api.app.server.address();
const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;

// A real worker process, as in production (scripts/start.ts worker).
const worker: ChildProcess = fork(fileURLToPath(new URL('./start.ts', import.meta.url)), ['worker'], {
  env: { ...process.env, ...env },
  stdio: 'inherit',
});
let workerExit: string | null = null;
worker.on('exit', (code, signal) => {
  workerExit = `code ${code} signal ${signal}`;
});

let failed = false;
const started = Date.now();
try {
  process.stdout.write(`fuzzing ${baseUrl} with ${runs} runs, seed ${seed}\n`);
  const outcome = await fuzzApi({ baseUrl, keys: FUZZ_KEYS, seed, numRuns: runs });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `${outcome.requests} requests in ${seconds} s; statuses ${JSON.stringify(outcome.statuses)}\n`,
  );
  if (workerExit !== null) throw new Error(`the worker process exited during the fuzz (${workerExit})`);
  const auth = { authorization: `Bearer ${FUZZ_KEYS[1]}` };
  const check = await send(baseUrl, {
    method: 'POST',
    path: '/v1/jobs',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify(baseJob()),
  });
  process.stdout.write(`worker alive: ${workerExit === null}; final job submit → ${check.status}\n`);
} catch (err) {
  failed = true;
  process.stderr.write(`${(err as Error).message}\n`);
} finally {
  if (worker.exitCode === null) {
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGTERM');
    await exited;
  }
  await api.close();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
