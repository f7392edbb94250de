/**
 * Reductions over dimensions: sum, mean, max, min, logsumexp, softmax/logSoftmax and argmax.
 * A reduction over one dimension views the tensor as (outer, n, inner); several dimensions are
 * reduced one after another.
 */
import { numel, type Shape, shapeToString, Tensor } from '../tensor.js';
import { reshape } from './shape.js';

export type Dims = number | readonly number[] | null | undefined;

export function normalizeDim(dim: number, rank: number, op: string): number {
  const r = Math.max(rank, 1);
  if (!Number.isInteger(dim) || dim < -r || dim >= r) {
    throw new RangeError(
      `${op}: dimension out of range (expected to be in range of [${-r}, ${r - 1}], but got ${dim})`,
    );
  }
  return dim < 0 ? dim + r : dim;
}

/** The (outer, n, inner) view of `shape` around `dim`. */
export function splitAt(shape: Shape, dim: number): [number, number, number] {
  return [numel(shape.slice(0, dim)), shape[dim] ?? 1, numel(shape.slice(dim + 1))];
}

function reducedShape(shape: Shape, dim: number, keepdim: boolean): number[] {
  const out = [...shape];
  if (keepdim) out[dim] = 1;
  else out.splice(dim, 1);
  return out;
}

function dimList(dims: Dims, rank: number, op: string): number[] {
  if (dims === null || dims === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof dims === 'number' ? [dims] : [...dims];
  const normalized = list.map((d) => normalizeDim(d, rank, op));
  if (new Set(normalized).size !== normalized.length)
    throw new RangeError(`${op}: dim appears multiple times in the list of dims`);
  return normalized.sort((a, b) => b - a);
}

function sumOneDim(a: Tensor, dim: number, keepdim: boolean): Tensor {
  if (a.ndim === 0) return a;
  const [outer, n, inner] = splitAt(a.shape, dim);
  const out = new Float32Array(outer * inner);
  const ad = a.data;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let s = 0;
      for (let k = 0, idx = o * n * inner + j; k < n; k++, idx += inner) s += ad[idx];
      out[o * inner + j] = s;
    }
  }
  return Tensor.fromOp(out, reducedShape(a.shape, dim, keepdim), [a], (g) => {
    const ga = new Float32Array(a.size);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const gv = g[o * inner + j];
        for (let k = 0, idx = o * n * inner + j; k < n; k++, idx += inner) ga[idx] = gv;
      }
    }
    return [ga];
  });
}

/** Sum over `dims` (all when omitted), like `tensor.sum(dim, keepdim)`. */
export function sum(a: Tensor, dims?: Dims, keepdim = false): Tensor {
  if (dims === null || dims === undefined) {
    // Full reduction in one pass with a double accumulator.
    let s = 0;
    for (let i = 0; i < a.size; i++) s += a.data[i];
    const shape = keepdim ? a.shape.map(() => 1) : [];
    return Tensor.fromOp(new Float32Array([s]), shape, [a], (g) => [new Float32Array(a.size).fill(g[0])]);
  }
  let out = a;
  for (const d of dimList(dims, a.ndim, 'sum')) out = sumOneDim(out, d, keepdim);
  return out;
}

export function mean(a: Tensor, dims?: Dims, keepdim = false): Tensor {
  const list = dimList(dims, a.ndim, 'mean');
  const count = list.reduce((n, d) => n * a.shape[d], 1);
  const s = sum(a, dims, keepdim);
  const out = new Float32Array(s.size);
  for (let i = 0; i < out.length; i++) out[i] = s.data[i] / count;
  return Tensor.fromOp(out, s.shape, [s], (g) => {
    const gs = new Float32Array(g.length);
    for (let i = 0; i < g.length; i++) gs[i] = g[i] / count;
    return [gs];
  });
}

/** Values and first indices of the extremum along one dimension. */
function extremum(
  a: Tensor,
  dim: number,
  keepdim: boolean,
  better: (x: number, y: number) => boolean,
  op: string,
) {
  if (a.size === 0) throw new RangeError(`${op}: cannot reduce an empty tensor ${shapeToString(a.shape)}`);
  const d = normalizeDim(dim, a.ndim, op);
  const [outer, n, inner] = splitAt(a.shape, d);
  const values = new Float32Array(outer * inner);
  const indices = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      let best = a.data[base];
      let bestK = 0;
      for (let k = 1; k < n; k++) {
        const v = a.data[base + k * inner];
        if (better(v, best) || (Number.isNaN(v) && !Number.isNaN(best))) {
          best = v;
          bestK = k;
        }
      }
      values[o * inner + j] = best;
      indices[o * inner + j] = bestK;
    }
  }
  const shape = a.ndim === 0 ? [] : reducedShape(a.shape, d, keepdim);
  const out = Tensor.fromOp(values, shape, [a], (g) => {
    const ga = new Float32Array(a.size);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++)
        ga[o * n * inner + indices[o * inner + j] * inner + j] = g[o * inner + j];
    }
    return [ga];
  });
  return { values: out, indices: new Tensor(Float32Array.from(indices), shape) };
}

/** Max over one dimension, or over all elements when `dim` is omitted (the gradient goes to the first max). */
export function max(a: Tensor, dim?: number, keepdim = false): Tensor {
  if (dim === undefined) return extremum(reshape(a, [-1]), 0, false, (x, y) => x > y, 'max').values;
  return extremum(a, dim, keepdim, (x, y) => x > y, 'max').values;
}

export function min(a: Tensor, dim?: number, keepdim = false): Tensor {
  if (dim === undefined) return extremum(reshape(a, [-1]), 0, false, (x, y) => x < y, 'min').values;
  return extremum(a, dim, keepdim, (x, y) => x < y, 'min').values;
}

/** Indices of the maxima along `dim` (as float values), like `tensor.argmax(dim)`. */
export function argmax(a: Tensor, dim = -1, keepdim = false): Tensor {
  return extremum(a, dim, keepdim, (x, y) => x > y, 'argmax').indices;
}

/** The maximum of `n` values of `x` from `base`, `stride` apart (NaN-propagating like Math.max). */
export function stridedMax(x: Float32Array, base: number, n: number, stride: number): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < n; k++) m = Math.max(m, x[base + k * stride]);
  return m;
}

/** Σ exp(x − m) over `n` values of `x` from `base`, `stride` apart, in doubles. */
export function stridedSumExp(x: Float32Array, base: number, n: number, stride: number, m: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += Math.exp(x[base + k * stride] - m);
  return s;
}

/**
 * log Σ exp over `n` values of `x` from `base`, `stride` apart, stabilised by their maximum. An
 * infinite maximum gives NaN, so log_softmax and cross-entropy give NaN there, as PyTorch's do.
 */
export function stridedLogSumExp(x: Float32Array, base: number, n: number, stride: number): number {
  const m = stridedMax(x, base, n, stride);
  return m + Math.log(stridedSumExp(x, base, n, stride, m));
}

/** log(sum(exp(a))) along `dim`, stabilised by the maximum. */
export function logsumexp(a: Tensor, dims: number | readonly number[], keepdim = false): Tensor {
  const list = typeof dims === 'number' ? [dims] : dims;
  if (list.length !== 1) {
    let out = a;
    for (const d of dimList(list, a.ndim, 'logsumexp')) out = logsumexp(out, d, keepdim);
    return out;
  }
  const d = normalizeDim(list[0], a.ndim, 'logsumexp');
  const [outer, n, inner] = splitAt(a.shape, d);
  const out = new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      // Unlike log_softmax, PyTorch's logsumexp returns a non-finite maximum itself (±∞, NaN).
      const m = stridedMax(a.data, base, n, inner);
      out[o * inner + j] = Number.isFinite(m) ? m + Math.log(stridedSumExp(a.data, base, n, inner, m)) : m;
    }
  }
  return Tensor.fromOp(out, a.ndim === 0 ? [] : reducedShape(a.shape, d, keepdim), [a], (g) => {
    const ga = new Float32Array(a.size);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * n * inner + j;
        const lse = out[o * inner + j];
        for (let k = 0; k < n; k++)
          ga[base + k * inner] = g[o * inner + j] * Math.exp(a.data[base + k * inner] - lse);
      }
    }
    return [ga];
  });
}

/** log_softmax along `dim`, fused so the backward is one pass. */
export function logSoftmax(a: Tensor, dim = -1): Tensor {
  const d = normalizeDim(dim, a.ndim, 'log_softmax');
  const [outer, n, inner] = splitAt(a.shape, d);
  const out = new Float32Array(a.size);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      const lse = stridedLogSumExp(a.data, base, n, inner);
      for (let k = 0; k < n; k++) out[base + k * inner] = a.data[base + k * inner] - lse;
    }
  }
  return Tensor.fromOp(out, a.shape, [a], (g) => {
    const ga = new Float32Array(a.size);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * n * inner + j;
        let gs = 0;
        for (let k = 0; k < n; k++) gs += g[base + k * inner];
        for (let k = 0; k < n; k++) {
          const idx = base + k * inner;
          ga[idx] = g[idx] - Math.exp(out[idx]) * gs;
        }
      }
    }
    return [ga];
  });
}

export function softmax(a: Tensor, dim = -1): Tensor {
  const d = normalizeDim(dim, a.ndim, 'softmax');
  const [outer, n, inner] = splitAt(a.shape, d);
  const out = new Float32Array(a.size);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      const m = stridedMax(a.data, base, n, inner);
      const s = stridedSumExp(a.data, base, n, inner, m);
      for (let k = 0; k < n; k++) out[base + k * inner] = Math.exp(a.data[base + k * inner] - m) / s;
    }
  }
  return Tensor.fromOp(out, a.shape, [a], (g) => {
    const ga = new Float32Array(a.size);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * n * inner + j;
        let dot = 0;
        for (let k = 0; k < n; k++) dot += g[base + k * inner] * out[base + k * inner];
        for (let k = 0; k < n; k++) {
          const idx = base + k * inner;
          ga[idx] = out[idx] * (g[idx] - dot);
        }
      }
    }
    return [ga];
  });
}
