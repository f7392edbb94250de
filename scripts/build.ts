/**
 * `npm run build [-- --out-dir DIR]`: compiles the service, its workers and scripts to JavaScript
 * in dist/ (the repository's layout: dist/scripts/start.js, dist/workers/worker.js), with the files
 * they read at run time. The Docker image runs this build, so no process or training thread pays
 * for compiling TypeScript at start-up. DIR must be inside the repository, where node_modules is
 * found.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Read at run time relative to the modules that read them. */
const ASSETS = ['src/dashboard', 'src/datasets/builtin', 'src/artifacts/onnx/proto'];

const flag = process.argv.indexOf('--out-dir');
const outDir = resolve(ROOT, flag >= 0 ? process.argv[flag + 1] : 'dist');

rmSync(outDir, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', outDir], {
    stdio: 'inherit',
  });
} catch {
  process.exit(1); // tsc has printed the errors
}
for (const asset of ASSETS) cpSync(join(ROOT, asset), join(outDir, asset), { recursive: true });
process.stderr.write(`built ${outDir}\n`);
