/**
 * An embedded Redis for single-machine use: a `redis-server` child process on a free loopback
 * port, AOF on, data under a directory of our own; stopped with the service. Tests use the same
 * class with persistence off and a temporary directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { resolve } from 'node:path';

export interface EmbeddedRedisOptions {
  dataDir: string;
  /** Append-only file persistence; off for tests. */
  persistence?: boolean;
  port?: number;
  binary?: string;
}

export class RedisNotInstalledError extends Error {
  readonly code = 'redis_not_installed';

  constructor(binary: string) {
    super(
      `No \`${binary}\` on PATH: install Redis (Debian/Ubuntu: \`apt-get install redis-server\`, macOS: \`brew install redis\`) or set REDIS_URL=redis://host:6379 to use a running server.`,
    );
    this.name = 'RedisNotInstalledError';
  }
}

/** A free TCP port on 127.0.0.1, chosen by the OS. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = netConnect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

export class EmbeddedRedis {
  private child: ChildProcess | null = null;
  private portNumber = 0;

  constructor(private readonly options: EmbeddedRedisOptions) {}

  get url(): string {
    return `redis://127.0.0.1:${this.portNumber}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<string> {
    const binary = this.options.binary ?? 'redis-server';
    const dir = resolve(this.options.dataDir);
    mkdirSync(dir, { recursive: true });
    this.portNumber = this.options.port ?? (await freePort());
    const persistence = this.options.persistence ?? true;
    const args = [
      '--port',
      String(this.portNumber),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      persistence ? 'yes' : 'no',
      '--daemonize',
      'no',
    ];
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const spawned = await new Promise<Error | null>((done) => {
      child.once('spawn', () => done(null));
      child.once('error', (err) => done(err));
    });
    if (spawned !== null) {
      this.child = null;
      if ((spawned as NodeJS.ErrnoException).code === 'ENOENT') throw new RedisNotInstalledError(binary);
      throw spawned;
    }
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(this.portNumber))) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${this.portNumber}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.url;
  }

  /** Stops the server (SIGTERM: Redis flushes its AOF and exits). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child === null || child.exitCode !== null) return;
    await new Promise<void>((done) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(timer);
        done();
      });
      child.kill('SIGTERM');
    });
  }
}
