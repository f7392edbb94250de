/** A private redis-server per test file: free port, no persistence, temp dir; stopped after. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedRedis } from '../../src/redis/embedded.js';

export interface TestRedis {
  url: string;
  server: EmbeddedRedis;
  stop(): Promise<void>;
}

export async function startTestRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-redis-'));
  const server = new EmbeddedRedis({ dataDir: dir, persistence: false });
  const url = await server.start();
  return {
    url,
    server,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
