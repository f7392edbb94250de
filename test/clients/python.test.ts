/**
 * The Python client's own tests (clients/python/tests, unittest), run by Debian's python3 against
 * this file's service: a private Redis, the API on loopback with an API key, and a worker. They
 * need httpx; the PyTorch bridge's tests need torch and numpy, and skip (saying so) without them.
 * Skips as a whole, saying what is missing, when python3 or httpx is not there.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { testConfig, useTestService } from '../helpers/service.js';

const PYTHON = '/usr/bin/python3';
const CLIENT = fileURLToPath(new URL('../../clients/python', import.meta.url));
const KEY = 'python-client-key-0123456789abcdef';

function imports(module: string): boolean {
  return spawnSync(PYTHON, ['-c', `import ${module}`], { encoding: 'utf8' }).status === 0;
}

const missing = imports('httpx') ? null : `${PYTHON} cannot import httpx (apt-get install -y python3-httpx)`;
if (missing !== null) console.warn(`skipping the Python client's tests: ${missing}`);
for (const [module, apt] of [
  ['torch', 'python3-torch'],
  ['numpy', 'python3-numpy'],
  ['tqdm', 'python3-tqdm'],
])
  if (missing === null && !imports(module))
    console.warn(
      `the Python client's tests run without ${module} (apt-get install -y ${apt}); those needing it skip`,
    );

function unittest(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(PYTHON, ['-m', 'unittest', 'discover', '-v', '-s', 'tests', '-t', 'tests'], {
    cwd: CLIENT,
    env: { ...process.env, ...env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

describe.skipIf(missing !== null)('Python client (clients/python)', () => {
  const service = useTestService(testConfig({ API_KEYS: `python:${KEY}`, WORKER_CONCURRENCY: '2' }));

  it('passes its unittest suite against the running service', { timeout: 600_000 }, async () => {
    const run = await unittest({ TRAINYARD_TEST_URL: service.url, TRAINYARD_TEST_API_KEY: KEY });
    const summary = /Ran (\d+) tests? in [\d.]+s\s+(OK|FAILED)(?: \(([^)]*)\))?/.exec(run.output);
    // What the suite prints besides its verdicts (the SimpleNN and CNN parity figures) and what it skipped.
    const notes = [
      ...run.output.matchAll(
        /(SimpleNN parity: [^\n]*|CNN parity: [^\n]*|[\w-]+ (?:parity|round trip): max [^\n]*|skipped '[^'\n]*')/g,
      ),
    ].map((m) => m[1]);
    console.log(`Python client: ${summary?.[0].replace(/\s+/g, ' ') ?? 'no summary'}\n${notes.join('\n')}`);
    expect(run.code, run.output.slice(-6000)).toBe(0);
    expect(summary?.[2]).toBe('OK');
    // The suite must have run its service tests, not skipped them for want of a service.
    expect(run.output).not.toContain('no service: set TRAINYARD_TEST_URL');
  });
});
