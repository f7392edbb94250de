/**
 * Inputs of any rank: `x` is (N, ...) nested arrays, one sample per entry of the outer array.
 * `checkNested` finds the first place where the nesting is not a consistent box of finite float32
 * numbers, naming it like PyTorch would index it (`data.x[3][1]: expected 3 values like
 * data.x[0][1], got 2`); `flattenNested` packs a checked array into float32 values.
 */
import type { SpecIssue } from '../engine/errors.js';

/** Largest finite float32; larger inputs would silently become Infinity in the engine. */
export const FLOAT32_MAX = 3.4028234663852886e38;

type Path = readonly (string | number)[];

function render(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** The shape read along the first element of every level (what every other element must match). */
export function probeShape(value: unknown): number[] {
  const shape: number[] = [];
  let cursor = value;
  while (Array.isArray(cursor)) {
    shape.push(cursor.length);
    if (cursor.length === 0) break;
    cursor = cursor[0];
  }
  return shape;
}

/**
 * The shape of `value` (an array whose elements nest to the same depth and lengths, with finite
 * float32 numbers at the leaves), or the first issue, at its path under `root`.
 */
export function checkNested(
  value: unknown,
  root: Path,
): { shape: number[]; issue: null } | { shape: null; issue: SpecIssue } {
  if (!Array.isArray(value)) return { shape: null, issue: { path: [...root], message: 'must be an array' } };
  const shape = probeShape(value);
  const index: number[] = [];
  let issue: SpecIssue | null = null;
  const fail = (depth: number, message: string): false => {
    issue = { path: [...root, ...index.slice(0, depth)], message };
    return false;
  };
  /** The same place in the first sample: `data.x[0][1]` for `data.x[3][1]`. */
  const reference = (depth: number) =>
    render([...root, ...index.slice(0, depth).map((i, d) => (d === 0 ? 0 : i))]);
  const walk = (v: unknown, depth: number): boolean => {
    if (depth === shape.length) {
      if (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= FLOAT32_MAX) return true;
      return fail(depth, 'must be a finite float32 number');
    }
    if (!Array.isArray(v))
      return fail(
        depth,
        `expected an array of ${shape[depth]} values like ${reference(depth)}, got ${describe(v)}`,
      );
    if (v.length !== shape[depth])
      return fail(depth, `expected ${shape[depth]} values like ${reference(depth)}, got ${v.length}`);
    for (let i = 0; i < v.length; i++) {
      index[depth] = i;
      if (!walk(v[i], depth + 1)) return false;
    }
    return true;
  };
  if (!walk(value, 0)) return { shape: null, issue: issue! };
  return { shape, issue: null };
}

function describe(v: unknown): string {
  if (typeof v === 'number') return `the number ${v}`;
  if (v === null) return 'null';
  return typeof v === 'string' ? 'a string' : typeof v;
}

/** The values of a checked nested array, row-major. */
export function flattenNested(value: unknown, size: number): Float32Array {
  const out = new Float32Array(size);
  let k = 0;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const e of v) walk(e);
    else out[k++] = v as number;
  };
  walk(value);
  return out;
}

/** The index path of flat position `flat` in a row-major array of `shape`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return out;
}
