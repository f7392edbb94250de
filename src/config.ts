/**
 * Service configuration, parsed once from the environment with zod. Nothing else in the service
 * reads `process.env`: entry points call `loadConfig()` and pass the result down.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);

/** A tenant id: letters, digits, `_` and `-` (it becomes part of Redis keys). */
export const TENANT_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** `tenantA:key1,tenantB:key2` → [{tenant, key}]; a tenant may have several keys. */
const apiKeysSchema = z.string().transform((value, ctx) => {
  const entries: { tenant: string; key: string }[] = [];
  for (const raw of value.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const colon = item.indexOf(':');
    const tenant = item.slice(0, colon);
    const key = item.slice(colon + 1);
    if (colon < 1 || !TENANT_PATTERN.test(tenant)) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected tenant:key pairs; tenants use letters, digits, "_", "-"',
      });
      return z.NEVER;
    }
    if (key.length < 16) {
      ctx.addIssue({ code: 'custom', message: `the key of tenant ${tenant} is shorter than 16 characters` });
      return z.NEVER;
    }
    entries.push({ tenant, key });
  }
  return entries;
});

export const configSchema = z.object({
  PORT: int(0, 65535).default(3000).describe('HTTP port of the API.'),
  HOST: z.string().min(1).default('0.0.0.0').describe('Interface the API listens on.'),
  REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })
    .optional()
    .describe('Redis to use; unset starts an embedded redis-server (npm start only).'),
  FASHION_MNIST_DIR: z
    .string()
    .min(1)
    .default('/usr/share/datasets/fashion-mnist')
    .describe(
      'Where the Fashion-MNIST IDX files are (`{"builtin": "fashion-mnist"}`); Debian’s dataset-fashion-mnist package installs them at the default.',
    ),
  REDIS_DATA_DIR: z.string().min(1).default('./data/redis').describe('Data directory of the embedded Redis.'),
  KEY_PREFIX: z
    .string()
    .regex(/^[a-z0-9_-]+$/i, 'letters, digits, "_" and "-" only')
    .default('trainyard')
    .describe('Prefix of every Redis key the service writes.'),
  WORKER_CONCURRENCY: int(1, 256)
    .default(availableParallelism())
    .describe('Training runs in parallel per worker process.'),
  INTRA_OP_THREADS: int(1, 256)
    .default(availableParallelism())
    .describe(
      "Cores a worker's running jobs share for their matrix products: a lone job uses them all, two split them. 1 keeps every job on one thread.",
    ),
  TRAINING_NICE: int(0, 19)
    .default(10)
    .describe(
      'Scheduling priority (nice) of training threads. Above 0 they give way to the API, Redis and event delivery on a shared machine, and take every idle cycle otherwise; 0 keeps the process priority.',
    ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MAX_BODY_BYTES: int(1024)
    .default(64 * 1024 * 1024)
    .describe('Largest request body accepted.'),
  REQUEST_TIMEOUT_MS: int(100)
    .default(120_000)
    .describe(
      'Time a client has to send a whole request, headers and body; a slower one gets 408 and its connection is closed. Event streams are not affected (their request has no body).',
    ),
  MAX_SAMPLES: int(1).default(1_000_000).describe('Most training samples in one job.'),
  MAX_EPOCHS: int(1).default(100_000).describe('Most epochs in one job.'),
  MAX_PREDICT_ROWS: int(1).default(10_000).describe('Most rows in one predict call.'),
  // Security: API keys, tokens and request limits (src/auth, src/api/plugins/auth.ts, src/service/job-limits.ts).
  API_KEYS: apiKeysSchema
    .default([])
    .describe(
      'API keys as `tenant:key,tenant:key` (keys of 16+ characters); more can live in Redis (`npm run keys`).',
    ),
  AUTH_REQUIRED: z
    .stringbool()
    .default(false)
    .describe('Refuse to start without API keys (no open local-development mode).'),
  TOKEN_SECRET: z
    .string()
    .min(32, 'at least 32 characters')
    .optional()
    .describe(
      'HMAC secret of short-lived event-stream tokens; unset: one generated and shared through Redis.',
    ),
  TOKEN_TTL_SECONDS: int(10, 3600).default(300).describe('Lifetime of an event-stream token.'),
  RATE_LIMIT_MAX: int(1)
    .default(100)
    .describe('Requests per API key (per IP when open) per rate-limit window.'),
  RATE_LIMIT_WINDOW_MS: int(100).default(1000).describe('The rate-limit window.'),
  MAX_JSON_DEPTH: int(2, 1000).default(32).describe('Deepest nesting of arrays and objects in a JSON body.'),
  MAX_LAYERS: int(1).default(100).describe('Most layers in one model.'),
  MAX_PARAMETERS: int(1).default(10_000_000).describe('Most parameters (and buffers) in one model.'),
  MAX_FEATURES: int(1)
    .default(10_000)
    .describe('Widest input (features per sample), of jobs and of dataset uploads.'),
  MAX_SAMPLE_EPOCHS: int(1)
    .default(1_000_000_000)
    .describe('Compute budget of one job: epochs × training samples.'),
  MAX_METADATA_BYTES: int(2).default(8192).describe('Largest job metadata, as JSON.'),
  MAX_ACTIVE_JOBS: int(1).default(100).describe('Most queued plus running jobs per tenant.'),
  MAX_ACTIVATION_BYTES: int(1024)
    .default(4 * 1024 ** 3)
    .describe(
      "Most activation memory one training step of a job may need: a batch's layer outputs and what the layers keep for the backward pass, computed from the spec (src/engine/nn/activation-memory.ts). The default, 4 GiB, is for a 2-core, 24 GiB worker running WORKER_CONCURRENCY = 2 jobs at once: 8 GiB of activations for both leaves the rest for their data (up to MAX_DATASET_BYTES each, plus a validation copy), parameters with gradients and optimizer state (about 160 MB at MAX_PARAMETERS with Adam), the threads' heaps and buffer pools, and the API, Redis and the system on the same machine.",
    ),
  MAX_DATASET_BYTES: int(1024)
    .default(256 * 1024 * 1024)
    .describe(
      'Largest dataset upload accepted (bytes of CSV, JSON, IDX or .npy; a gzipped IDX or .npy body also counts inflated).',
    ),
  JOB_ATTEMPTS: int(1, 10).default(2).describe('Tries of a job that fails for infrastructure reasons.'),
  SSE_HEARTBEAT_MS: int(100).default(15_000).describe('Interval of SSE heartbeat comments.'),
  SHUTDOWN_TIMEOUT_MS: int(0)
    .default(10_000)
    .describe(
      'On SIGTERM, how long a running job may take to reach its next epoch checkpoint before it is stopped there and handed back to the queue.',
    ),
  ORPHAN_SWEEP_INTERVAL_MS: int(100)
    .default(30_000)
    .describe(
      'How often workers look for queued jobs that never reached the queue (stored, then Redis or the API failed before the enqueue) and enqueue them.',
    ),
  ORPHAN_MIN_AGE_MS: int(0)
    .default(60_000)
    .describe('A queued job must be at least this old, with no queue entry, to count as orphaned.'),
  WORKER_LOCK_DURATION_MS: int(500)
    .default(30_000)
    .describe(
      "BullMQ job lock; renewed every half of it by the worker's main thread (training runs in a thread, so long epochs never starve it). A killed worker's job is taken over once the lock has expired.",
    ),
  WORKER_STALLED_INTERVAL_MS: int(200)
    .default(15_000)
    .describe('How often workers look for jobs whose worker died (expired locks).'),
  WORKER_MAX_STALLED_COUNT: int(0)
    .default(5)
    .describe('How many times a job may lose its worker before it fails with code `stalled`.'),
  REDIS_RETRY_MS: int(0)
    .default(300_000)
    .describe(
      'How long a worker keeps retrying (with backoff) while Redis is unreachable or refuses writes (maxmemory reached, read-only) before the attempt counts as failed; such pauses use no JOB_ATTEMPTS.',
    ),
  REDIS_COMMAND_TIMEOUT_MS: int(100)
    .default(3_000)
    .describe('The API gives up on a Redis command after this long and answers 503.'),
  METRICS_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters')
    .optional()
    .describe(
      "Bearer token /metrics requires (it shows every tenant's job counts). Unset: /metrics is open on a service without AUTH_REQUIRED, and off (404) with it.",
    ),
  ADMIN_API_KEY: z
    .string()
    .min(16, 'must be at least 16 characters')
    .optional()
    .describe('Key for operator pages (bull-board at /admin/queues); unset leaves them off.'),
});

export type Config = z.output<typeof configSchema>;

/** A bad environment variable; the message names it. */
export class ConfigError extends Error {
  readonly code = 'invalid_config';

  constructor(readonly issues: { variable: string; message: string }[]) {
    super(`Invalid configuration: ${issues.map((i) => `${i.variable}: ${i.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment (empty strings count as unset). Throws ConfigError naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(
    Object.keys(configSchema.shape)
      .map((key) => [key, env[key]] as const)
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ variable: String(issue.path[0]), message: issue.message })),
    );
  }
  return parsed.data;
}

/** Prints `message` to stderr and exits 1: how a command-line entry point refuses to start. */
export function exitWith(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** `loadConfig` for entry points: a bad environment exits 1 with ConfigError's message. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) exitWith(err.message);
    throw err;
  }
}

/** The `trainyard` CLI's settings, from the environment (flags override them). */
export const cliConfigSchema = z.object({
  TRAINYARD_URL: z.url().default('http://localhost:3000').describe('Base URL of the Trainyard API.'),
  TRAINYARD_API_KEY: z.string().min(1).optional().describe('API key, sent as `Authorization: Bearer`.'),
});
export type CliConfig = z.output<typeof cliConfigSchema>;

/** Parses the CLI's environment (empty strings count as unset). Throws ConfigError naming each bad variable. */
export function loadCliConfig(env: Record<string, string | undefined> = process.env): CliConfig {
  const present = Object.fromEntries(
    Object.keys(cliConfigSchema.shape)
      .map((key) => [key, env[key]] as const)
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = cliConfigSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ variable: String(issue.path[0]), message: issue.message })),
    );
  }
  return parsed.data;
}
