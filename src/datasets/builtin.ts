/**
 * The built-in datasets shipped in `builtin/` (sources and licences in builtin/SOURCES.md),
 * parsed once per process on first use.
 */
import { readFileSync } from 'node:fs';
import { parseCsv } from './csv.js';
import type { Dataset } from './dataset.js';

export const BUILTIN_DATASETS = ['iris', 'digits', 'wine'] as const;
export type BuiltinName = (typeof BUILTIN_DATASETS)[number];

const cache = new Map<BuiltinName, Dataset>();

export function loadBuiltin(name: BuiltinName): Dataset {
  let d = cache.get(name);
  if (d === undefined) {
    d = parseCsv(readFileSync(new URL(`./builtin/${name}.csv`, import.meta.url), 'utf8'));
    cache.set(name, d);
  }
  return d;
}
