/**
 * Real service processes for fault tests and `npm run chaos`: `scripts/start.ts worker|api|all` as
 * child processes with their own environment (so they can be SIGKILLed), and a redis-server with
 * AOF on a fixed port and directory that can be stopped and started again.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from '../../src/artifacts/safetensors.js';
import { runTraining } from '../../src/queue/training-runner.js';
import { EmbeddedRedis, freePort } from '../../src/redis/embedded.js';

const START = fileURLToPath(new URL('../start.ts', import.meta.url));

/** `all`: an API that forks its worker process, as `npm start` does (pointed at REDIS_URL here). */
export type ServiceRole = 'worker' | 'api' | 'all';

export interface ServiceProcess {
  role: ServiceRole;
  child: ChildProcess;
  /** Base URL of an API process. */
  url: string | null;
  /** Resolves with how the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it printed so far (pino JSON lines), for diagnosing a failure. */
  output(): string;
  kill(signal: NodeJS.Signals): void;
}

/** The compiled build's start script (`npm run build`), which the Docker image runs. */
export const COMPILED_START = fileURLToPath(new URL('../../dist/scripts/start.js', import.meta.url));

/**
 * Spawns `scripts/start.ts <role>` (via tsx), or the start script `start` names (a compiled .js
 * one runs on plain node), and waits until it is ready: a worker's `worker started` log line, an
 * API's `/health`, or both for `all`.
 */
export async function spawnService(
  role: ServiceRole,
  env: Record<string, string>,
  {
    readyTimeoutMs = 30_000,
    start = START,
    processGroup = false,
  }: {
    readyTimeoutMs?: number;
    start?: string;
    /**
     * In its own process group, and `kill` signals the whole group (`kill -9 -- -PGID`), as a
     * shell's job control or a container runtime stops a service with every process it started.
     */
    processGroup?: boolean;
  } = {},
): Promise<ServiceProcess> {
  const serves = role !== 'worker';
  const port = serves ? await freePort() : 0;
  const args = start.endsWith('.ts') ? ['--import', 'tsx', start, role] : [start, role];
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      LOG_LEVEL: 'info',
      ...env,
      ...(serves ? { PORT: String(port), HOST: '127.0.0.1' } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: processGroup,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = serves ? `http://127.0.0.1:${port}` : null;
  const proc: ServiceProcess = {
    role,
    child,
    url,
    exited,
    output: () => output,
    kill: (signal) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (!processGroup || child.pid === undefined) child.kill(signal);
      else {
        try {
          process.kill(-child.pid, signal);
        } catch {
          child.kill(signal); // the group is gone already
        }
      }
    },
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${role} exited before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${role} not ready after ${readyTimeoutMs} ms:\n${output}`);
    }
    const workerUp = role === 'api' || output.includes('"worker started"');
    const apiUp =
      !serves ||
      (await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      ));
    if (workerUp && apiUp) return proc;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A redis-server with AOF in its own directory, restartable on the same port. */
export class RestartableRedis {
  private server: EmbeddedRedis | null = null;
  private port = 0;

  constructor(private readonly dataDir: string) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<string> {
    if (this.port === 0) this.port = await freePort();
    this.server = new EmbeddedRedis({ dataDir: this.dataDir, persistence: true, port: this.port });
    return this.server.start();
  }

  /** SIGTERM: Redis flushes its AOF and exits. */
  async stop(): Promise<void> {
    await this.server?.stop();
    this.server = null;
  }

  async restart(downMs = 0): Promise<void> {
    await this.stop();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.start();
  }
}

/** SHA-256 over the tensors of a safetensors file (names, shapes, bytes), not its metadata. */
export function weightHash(safetensors: Uint8Array): string {
  const hash = createHash('sha256');
  const { tensors } = decodeSafetensors(safetensors);
  for (const name of Object.keys(tensors).sort()) {
    const t = tensors[name];
    hash.update(`${name}:${t.shape.join('x')}:`);
    hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return hash.digest('hex');
}

/**
 * The uninterrupted run of a stored job input, in this process, through the very runner a worker
 * uses (a fresh training thread): the weights' hash and the number of epochs it trains.
 */
export async function calmRun(input: string): Promise<{ hash: string; epochs: number }> {
  let epochs = 0;
  const outcome = await runTraining({
    input,
    init: null,
    resume: null,
    signal: new AbortController().signal,
    onEpochs: async ({ metrics }) => {
      epochs += metrics.length;
    },
  });
  if (outcome.type !== 'completed') throw new Error(`calm run ${outcome.type}: ${JSON.stringify(outcome)}`);
  const tensors: Record<string, NamedTensor> = {};
  for (const t of outcome.tensors) tensors[t.name] = { shape: t.shape, data: t.data };
  return { hash: weightHash(encodeSafetensors(tensors, { format: 'pt' })), epochs };
}
