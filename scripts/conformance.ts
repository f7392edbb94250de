/**
 * `npm run conformance -- FILE.json`: computes every case of a conformance file with the engine
 * (without reading its expected values) and prints `{"cases": [{name, ...computed fields}]}`.
 */
import { readFileSync } from 'node:fs';
import { computeFile } from '../src/conformance/index.js';

async function main(): Promise<void> {
  const path = process.argv[2];
  if (path === undefined) {
    process.stderr.write('usage: npm run conformance -- FILE.json\n');
    process.exit(2);
  }
  let file: unknown;
  try {
    file = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    process.stderr.write(`cannot read ${path}: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const result = await computeFile(file);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

void main();
