/**
 * Element-wise comparison with the numpy.allclose rule the conformance files use:
 * |a - e| <= atol + rtol * |e|.
 */

export interface Tolerance {
  rtol: number;
  atol: number;
}

export type Nested = number | null | string | Nested[] | { [key: string]: Nested };

/** Returns null when `actual` matches `expected`, else a message naming the first mismatch. */
export function mismatch(actual: unknown, expected: unknown, tol: Tolerance, path = ''): string | null {
  if (typeof expected === 'number') {
    if (typeof actual !== 'number' || Number.isNaN(actual))
      return `${path || 'value'}: expected ${expected}, got ${String(actual)}`;
    if (Math.abs(actual - expected) > tol.atol + tol.rtol * Math.abs(expected)) {
      return `${path || 'value'}: expected ${expected}, got ${actual} (|diff| ${Math.abs(actual - expected)})`;
    }
    return null;
  }
  if (expected === null || typeof expected === 'string') {
    return actual === expected
      ? null
      : `${path || 'value'}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual))
      return `${path || 'value'}: expected an array of ${expected.length}, got ${JSON.stringify(actual)?.slice(0, 80)}`;
    if (actual.length !== expected.length)
      return `${path || 'value'}: expected length ${expected.length}, got ${actual.length}`;
    for (let i = 0; i < expected.length; i++) {
      const m = mismatch(actual[i], expected[i], tol, `${path}[${i}]`);
      if (m !== null) return m;
    }
    return null;
  }
  if (typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual))
      return `${path || 'value'}: expected an object`;
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    for (const key of Object.keys(e)) {
      if (!(key in a)) return `${path}.${key}: missing`;
      const m = mismatch(a[key], e[key], tol, `${path}.${key}`);
      if (m !== null) return m;
    }
    for (const key of Object.keys(a)) if (!(key in e)) return `${path}.${key}: unexpected`;
    return null;
  }
  return `${path || 'value'}: unsupported expected value`;
}
