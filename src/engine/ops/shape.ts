/**
 * Shape ops: reshape, flatten, squeeze/unsqueeze, transpose/permute, concatenation, and indexing
 * (row selection for mini-batches, gather for class targets). Storage is always contiguous, so
 * ops that reorder elements copy.
 */
import { numel, type Shape, shapeToString, Tensor } from '../tensor.js';

function normalizeDim(dim: number, rank: number, op: string): number {
  const r = Math.max(rank, 1);
  if (!Number.isInteger(dim) || dim < -r || dim >= r) {
    throw new RangeError(
      `${op}: dimension out of range (expected to be in range of [${-r}, ${r - 1}], but got ${dim})`,
    );
  }
  return dim < 0 ? dim + r : dim;
}

/** Reshape to `shape`; one entry may be -1 and is inferred. The data is shared, not copied. */
export function reshape(a: Tensor, shape: Shape): Tensor {
  const inferred = [...shape];
  const unknown = inferred.indexOf(-1);
  if (unknown !== inferred.lastIndexOf(-1))
    throw new RangeError('reshape: only one dimension can be inferred');
  if (unknown >= 0) {
    const known = numel(inferred.filter((_, i) => i !== unknown));
    if (known === 0 || a.size % known !== 0) {
      throw new RangeError(`reshape: shape ${shapeToString(shape)} is invalid for input of size ${a.size}`);
    }
    inferred[unknown] = a.size / known;
  }
  if (numel(inferred) !== a.size)
    throw new RangeError(`reshape: shape ${shapeToString(shape)} is invalid for input of size ${a.size}`);
  return Tensor.fromOp(a.data, inferred, [a], (g) => [g]);
}

/** `torch.flatten(a, startDim, endDim)`. */
export function flatten(a: Tensor, startDim = 0, endDim = -1): Tensor {
  if (a.ndim === 0) return reshape(a, [1]);
  const s = normalizeDim(startDim, a.ndim, 'flatten');
  const e = normalizeDim(endDim, a.ndim, 'flatten');
  if (s > e) throw new RangeError('flatten() has invalid args: start_dim cannot come after end_dim');
  const shape = [...a.shape.slice(0, s), numel(a.shape.slice(s, e + 1)), ...a.shape.slice(e + 1)];
  return reshape(a, shape);
}

/**
 * `torch.unflatten(a, dim, sizes)`: dimension `dim` becomes `sizes`, one of which may be -1 (inferred).
 * A view, like reshape. Messages are PyTorch's.
 */
export function unflatten(a: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const d = normalizeDim(dim, a.ndim, 'unflatten');
  if (sizes.length === 0) throw new RangeError('unflatten: sizes must be non-empty');
  const inferred = [...sizes];
  const unknown = inferred.indexOf(-1);
  if (unknown !== inferred.lastIndexOf(-1))
    throw new RangeError('unflatten: only one dimension can be inferred');
  const size = a.shape[d];
  const known = numel(inferred.filter((_, i) => i !== unknown));
  if (unknown >= 0 && known !== 0 && size % known === 0) inferred[unknown] = size / known;
  if (inferred.some((s) => !Number.isInteger(s) || s < 0) || numel(inferred) !== size) {
    throw new RangeError(
      `unflatten: Provided sizes ${shapeToString(sizes)} don't multiply up to the size of dim ${dim} (${size}) in the input tensor`,
    );
  }
  return reshape(a, [...a.shape.slice(0, d), ...inferred, ...a.shape.slice(d + 1)]);
}

export function unsqueeze(a: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, a.ndim + 1, 'unsqueeze');
  const shape = [...a.shape];
  shape.splice(d, 0, 1);
  return reshape(a, shape);
}

/** Removes dimension `dim` if it has size 1, or every size-1 dimension when `dim` is omitted. */
export function squeeze(a: Tensor, dim?: number): Tensor {
  if (dim === undefined)
    return reshape(
      a,
      a.shape.filter((d) => d !== 1),
    );
  const d = normalizeDim(dim, a.ndim, 'squeeze');
  if (a.shape[d] !== 1) return a;
  return reshape(
    a,
    a.shape.filter((_, i) => i !== d),
  );
}

/** Reorders dimensions: output dimension i is input dimension `dims[i]`. */
export function permute(a: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== a.ndim) {
    throw new RangeError(`permute: number of dims don't match (input has ${a.ndim}, got ${dims.length})`);
  }
  const order = dims.map((d) => normalizeDim(d, a.ndim, 'permute'));
  if (new Set(order).size !== order.length) throw new RangeError('permute: repeated dim');
  const shape = order.map((d) => a.shape[d]);
  const inStrides = stridesOf(a.shape);
  const n = a.size;
  const forward = new Int32Array(n); // forward[outIndex] = inIndex
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let offset = 0;
    for (let k = 0; k < shape.length; k++) offset += index[k] * inStrides[order[k]];
    forward[i] = offset;
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++index[k] < shape[k]) break;
      index[k] = 0;
    }
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = a.data[forward[i]];
  return Tensor.fromOp(out, shape, [a], (g) => {
    const ga = new Float32Array(n);
    for (let i = 0; i < n; i++) ga[forward[i]] = g[i];
    return [ga];
  });
}

/** Swaps two dimensions (`tensor.transpose(dim0, dim1)`); `t()` of a matrix is `transpose(a, 0, 1)`. */
export function transpose(a: Tensor, dim0 = 0, dim1 = 1): Tensor {
  const order = a.shape.map((_, i) => i);
  const d0 = normalizeDim(dim0, a.ndim, 'transpose');
  const d1 = normalizeDim(dim1, a.ndim, 'transpose');
  order[d0] = d1;
  order[d1] = d0;
  return permute(a, order);
}

export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Concatenates tensors along `dim` (`torch.cat`). */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RangeError('cat: expected a non-empty list of tensors');
  const first = tensors[0];
  const d = normalizeDim(dim, first.ndim, 'cat');
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((s, i) => i !== d && s !== first.shape[i])) {
      throw new RangeError(
        `cat: sizes of tensors must match except in dimension ${d}: ${shapeToString(first.shape)} vs ${shapeToString(t.shape)}`,
      );
    }
  }
  const outer = numel(first.shape.slice(0, d));
  const inner = numel(first.shape.slice(d + 1));
  const sizes = tensors.map((t) => t.shape[d]);
  const total = sizes.reduce((x, y) => x + y, 0);
  const shape = [...first.shape];
  shape[d] = total;
  const out = new Float32Array(outer * total * inner);
  let offset = 0;
  tensors.forEach((t, k) => {
    const block = sizes[k] * inner;
    for (let o = 0; o < outer; o++)
      out.set(t.data.subarray(o * block, (o + 1) * block), o * total * inner + offset);
    offset += block;
  });
  return Tensor.fromOp(out, shape, tensors, (g) => {
    let off = 0;
    return tensors.map((t, k) => {
      const block = sizes[k] * inner;
      const gt = new Float32Array(t.size);
      for (let o = 0; o < outer; o++)
        gt.set(g.subarray(o * total * inner + off, o * total * inner + off + block), o * block);
      off += block;
      return gt;
    });
  });
}

/**
 * Rows `indices` of `a` along dimension 0 (`a[indices]`), e.g. a shuffled mini-batch. With `into`,
 * the rows are written to the start of that buffer and the result views it: for a loop that is done
 * with one batch before it takes the next (the trainer's), so batches allocate nothing.
 */
export function indexRows(a: Tensor, indices: ArrayLike<number>, into?: Float32Array): Tensor {
  if (a.ndim === 0) throw new RangeError('indexRows: cannot index a 0-d tensor');
  const rows = a.shape[0];
  const width = a.size / Math.max(rows, 1);
  const size = indices.length * width;
  if (into !== undefined && into.length < size)
    throw new RangeError(`indexRows: ${size} values do not fit a buffer of ${into.length}`);
  const out = into === undefined ? new Float32Array(size) : into.subarray(0, size);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    if (!Number.isInteger(r) || r < 0 || r >= rows)
      throw new RangeError(`indexRows: index ${r} is out of bounds for size ${rows}`);
    out.set(a.data.subarray(r * width, (r + 1) * width), i * width);
  }
  return Tensor.fromOp(out, [indices.length, ...a.shape.slice(1)], [a], (g) => {
    const ga = new Float32Array(a.size);
    for (let i = 0; i < indices.length; i++) {
      const base = indices[i] * width;
      for (let j = 0; j < width; j++) ga[base + j] += g[i * width + j];
    }
    return [ga];
  });
}

/** Rows `start` (inclusive) to `end` (exclusive) along dimension 0, copied. */
export function sliceRows(a: Tensor, start: number, end: number): Tensor {
  const rows = a.shape[0];
  const s = Math.max(0, Math.min(start, rows));
  const e = Math.max(s, Math.min(end, rows));
  const width = a.size / Math.max(rows, 1);
  const out = a.data.slice(s * width, e * width);
  return Tensor.fromOp(out, [e - s, ...a.shape.slice(1)], [a], (g) => {
    const ga = new Float32Array(a.size);
    ga.set(g, s * width);
    return [ga];
  });
}

/**
 * `torch.gather(a, dim, index)`: out[i][j] = a[i][index[i][j]] for dim 1, and so on. `index`
 * holds integer values and has the same rank as `a`.
 */
export function gather(a: Tensor, dim: number, index: Tensor): Tensor {
  const d = normalizeDim(dim, a.ndim, 'gather');
  if (index.ndim !== a.ndim)
    throw new RangeError('gather: index tensor must have the same number of dimensions as input tensor');
  const aStrides = stridesOf(a.shape);
  const shape = index.shape;
  const n = index.size;
  const source = new Int32Array(n);
  const pos = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let offset = 0;
    for (let k = 0; k < shape.length; k++) {
      if (k !== d && pos[k] >= a.shape[k])
        throw new RangeError(
          `gather: index shape ${shapeToString(shape)} exceeds input shape ${shapeToString(a.shape)}`,
        );
      offset += (k === d ? 0 : pos[k]) * aStrides[k];
    }
    const v = index.data[i];
    if (!Number.isInteger(v) || v < 0 || v >= a.shape[d]) {
      throw new RangeError(`gather: index ${v} is out of bounds for dimension ${d} with size ${a.shape[d]}`);
    }
    source[i] = offset + v * aStrides[d];
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++pos[k] < shape[k]) break;
      pos[k] = 0;
    }
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = a.data[source[i]];
  return Tensor.fromOp(out, shape, [a], (g) => {
    const ga = new Float32Array(a.size);
    for (let i = 0; i < n; i++) ga[source[i]] += g[i];
    return [ga];
  });
}
