/**
 * The real service for tests: API listening on loopback and (optionally) a training worker,
 * against a test Redis, with a unique key prefix. Nothing is mocked.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { type Config, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/service/logger.js';
import { type ApiRuntime, createApi, startWorker, type WorkerRuntime } from '../../src/service/runtime.js';
import { startTestRedis, type TestRedis } from './redis.js';

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    LOG_LEVEL: 'silent',
    KEY_PREFIX: `test-${randomBytes(4).toString('hex')}`,
    WORKER_CONCURRENCY: '2',
    SSE_HEARTBEAT_MS: '2000',
    SHUTDOWN_TIMEOUT_MS: '2000',
    ...overrides,
  });
}

export interface TestApi {
  url: string;
  api: ApiRuntime;
  close(): Promise<void>;
}

export async function startTestApi(config: Config, redisUrl: string): Promise<TestApi> {
  const api = await createApi(config, redisUrl, createLogger(config, 'api'));
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = api.app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, api, close: () => api.close() };
}

export function startTestWorker(config: Config, redisUrl: string): Promise<WorkerRuntime> {
  return startWorker(config, redisUrl, createLogger(config, 'worker'));
}

/** A test file's Redis, API and workers; ready inside tests and in hooks registered after it. */
export interface TestService {
  readonly config: Config;
  readonly redis: TestRedis;
  readonly api: TestApi;
  /** The API's base URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The worker `useTestService` started, if it did. */
  readonly worker: WorkerRuntime;
  /** Starts another worker against the same Redis; it is closed with the service (closing it earlier is fine). */
  startWorker(): Promise<WorkerRuntime>;
}

/**
 * Registers beforeAll/afterAll hooks that start a private Redis, the API on loopback and, unless
 * `worker: false`, a training worker; afterAll closes workers, then the API, then Redis.
 */
export function useTestService(config: Config = testConfig(), { worker = true } = {}): TestService {
  const workers: WorkerRuntime[] = [];
  let redis: TestRedis | undefined;
  let api: TestApi | undefined;
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useTestService: no ${what} (used before beforeAll ran?)`);
    return value;
  };
  const service: TestService = {
    config,
    get redis() {
      return ready(redis, 'Redis');
    },
    get api() {
      return ready(api, 'API');
    },
    get url() {
      return ready(api, 'API').url;
    },
    get worker() {
      return ready(workers[0], 'worker');
    },
    async startWorker() {
      const started = await startTestWorker(config, service.redis.url);
      workers.push(started);
      return started;
    },
  };
  beforeAll(async () => {
    redis = await startTestRedis();
    api = await startTestApi(config, redis.url);
    if (worker) await service.startWorker();
  });
  afterAll(async () => {
    for (const w of workers.reverse()) await w.close();
    await api?.close();
    await redis?.stop();
  });
  return service;
}

/** JSON request helper: returns status, headers and parsed body. */
export async function request(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
  // biome-ignore lint/suspicious/noExplicitAny: response JSON, asserted by each test
): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body };
}

/** POST /v1/datasets with a raw body (text, bytes or a stream) of `contentType`; the response as JSON. */
export async function uploadDataset(
  baseUrl: string,
  body: string | Uint8Array | ReadableStream<Uint8Array>,
  contentType: string,
  query = '',
  // biome-ignore lint/suspicious/noExplicitAny: response JSON, asserted by each test
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}/v1/datasets${query}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  return { status: res.status, body: await res.json() };
}

/** Polls until `check` returns a value (not undefined) or the timeout passes. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('waitFor: timed out');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function waitForStatus(baseUrl: string, id: string, statuses: string[], timeoutMs = 20_000) {
  return waitFor(async () => {
    const { body } = await request(`${baseUrl}/v1/jobs/${id}`);
    return statuses.includes(body.status) ? body : undefined;
  }, timeoutMs);
}
