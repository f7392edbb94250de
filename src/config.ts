/**
 * Service configuration, parsed once from the environment with zod. Nothing else in the service
 * reads `process.env`: entry points call `loadConfig()` and pass the result down.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);

export const configSchema = z.object({
  PORT: int(0, 65535).default(3000).describe('HTTP port of the API.'),
  HOST: z.string().min(1).default('0.0.0.0').describe('Interface the API listens on.'),
  REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })
    .optional()
    .describe('Redis to use; unset starts an embedded redis-server (npm start only).'),
  REDIS_DATA_DIR: z.string().min(1).default('./data/redis').describe('Data directory of the embedded Redis.'),
  KEY_PREFIX: z
    .string()
    .regex(/^[a-z0-9_-]+$/i, 'letters, digits, "_" and "-" only')
    .default('trainyard')
    .describe('Prefix of every Redis key the service writes.'),
  WORKER_CONCURRENCY: int(1, 256)
    .default(availableParallelism())
    .describe('Training runs in parallel per worker process.'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MAX_BODY_BYTES: int(1024)
    .default(64 * 1024 * 1024)
    .describe('Largest request body accepted.'),
  MAX_SAMPLES: int(1).default(1_000_000).describe('Most training samples in one job.'),
  MAX_EPOCHS: int(1).default(100_000).describe('Most epochs in one job.'),
  MAX_PREDICT_ROWS: int(1).default(10_000).describe('Most rows in one predict call.'),
  JOB_ATTEMPTS: int(1, 10).default(2).describe('Tries of a job that fails for infrastructure reasons.'),
  SSE_HEARTBEAT_MS: int(100).default(15_000).describe('Interval of SSE heartbeat comments.'),
  SHUTDOWN_TIMEOUT_MS: int(0).default(30_000).describe('How long SIGTERM waits for running jobs.'),
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
