/**
 * A service process from start to clean exit, for the entry points: `scripts/start.ts` (`all`:
 * the API in this process and one worker process, with an embedded redis-server when REDIS_URL is
 * unset; `api`: the API alone) and `workers/worker.ts` (`worker`: a worker alone). Roles other
 * than `all` need REDIS_URL, so many API and worker processes share one Redis.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { exitWith, loadConfigOrExit } from '../config.js';
import { EmbeddedRedis, RedisNotInstalledError } from '../redis/embedded.js';
import { entryUrl } from '../runtime/entry-url.js';
import { createLogger } from './logger.js';
import { createApi, startWorker } from './runtime.js';

export type Role = 'all' | 'api' | 'worker';

export async function runProcess(role: Role): Promise<void> {
  if (!['all', 'api', 'worker'].includes(role)) exitWith(`usage: start.ts [all|api|worker] (got "${role}")`);
  const config = loadConfigOrExit();
  const logger = createLogger(config, role);
  const closers: (() => Promise<void>)[] = [];
  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    for (const close of closers) {
      try {
        await close();
      } catch (err) {
        logger.error({ err }, 'error during shutdown');
      }
    }
    logger.info('stopped');
    process.exit(0);
  };

  let redisUrl = config.REDIS_URL;
  if (redisUrl === undefined) {
    if (role !== 'all')
      exitWith(`REDIS_URL is required for \`${role}\` (only \`npm start\` runs an embedded Redis).`);
    const embedded = new EmbeddedRedis({ dataDir: config.REDIS_DATA_DIR, persistence: true });
    try {
      redisUrl = await embedded.start();
    } catch (err) {
      if (err instanceof RedisNotInstalledError) exitWith(err.message);
      throw err;
    }
    logger.info({ redis: redisUrl, data_dir: config.REDIS_DATA_DIR }, 'embedded redis started');
    closers.push(() => embedded.stop());
  }

  if (role === 'all') {
    const child = forkWorker(redisUrl);
    closers.unshift(() => stopChild(child));
    child.on('exit', (code, signal) => {
      if (!shuttingDown) {
        logger.error({ code, signal }, 'worker process exited; stopping');
        void shutdown('worker-exit');
      }
    });
  }
  if (role === 'all' || role === 'api') {
    const api = await createApi(config, redisUrl, logger);
    await api.app.listen({ port: config.PORT, host: config.HOST });
    closers.unshift(() => api.close());
  }
  if (role === 'worker') {
    const worker = await startWorker(config, redisUrl, logger);
    closers.unshift(() => worker.close());
  }

  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** The worker process entry point, forked by `npm start` (and by the compiled build's start). */
const WORKER_ENTRY = fileURLToPath(entryUrl('../../workers/worker', import.meta.url));

function forkWorker(redisUrl: string): ChildProcess {
  // Same node flags (under tsx, its loader via execArgv), pointed at the same Redis.
  return fork(WORKER_ENTRY, [], {
    env: { ...process.env, REDIS_URL: redisUrl },
    stdio: 'inherit',
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
