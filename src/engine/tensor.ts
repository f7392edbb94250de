/**
 * The tensor and its reverse-mode autograd.
 *
 * A Tensor is a contiguous, row-major Float32Array with a shape. Every op builds its output
 * with `Tensor.fromOp`, passing the parents and a backward closure that receives the output's
 * gradient and accumulates into the parents' gradients (micrograd's design). `backward()` is a
 * topological sort and a reverse walk. Leaf tensors that require grad get `.grad`, which
 * accumulates across `backward()` calls like PyTorch's.
 *
 * Ops are free functions in `ops/`; `tensor-methods.ts` also attaches them as chainable methods.
 */

import {
  isWalkOwned,
  outputBuffer,
  releaseGradBuffer,
  releaseSaved64,
  takeWalkOwned,
} from './grad-buffer.js';

export type Shape = readonly number[];

/**
 * What an op keeps from its forward for its backward: a `savedBuffer64`, or a float32 buffer of its
 * own from `outputBuffer` (a convolution's columns).
 */
export type SavedBuffer = Float64Array | Float32Array;

function releaseSaved(buf: SavedBuffer): void {
  if (buf instanceof Float64Array) releaseSaved64(buf);
  else releaseGradBuffer(buf);
}

/** Called with the output's gradient; returns one gradient per parent (or null to skip it). */
export type BackwardFn = (grad: Float32Array) => (Float32Array | null)[];

let gradEnabled = true;

/** Runs `fn` without recording ops for autograd, like `with torch.no_grad():`. */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

export function isGradEnabled(): boolean {
  return gradEnabled;
}

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Same rank and sizes (a 0-d shape differs from [1], as in PyTorch). */
export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function shapeToString(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

function checkShape(shape: Shape, op: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`${op}: invalid shape ${shapeToString(shape)}`);
  }
}

/** A nested array of numbers, as JSON carries tensors. */
export type NestedArray = number | NestedArray[];

/** The closure of a node whose graph `releaseGraph` ended (its saved results are gone). */
const releasedGraph: BackwardFn = () => {
  throw new Error(
    'backward: trying to backward through a graph a second time: its results were released (releaseGraph)',
  );
};

/** The stamp of the latest topological walk (see `Tensor.topologicalOrder`). */
let lastStamp = 0;

export class Tensor {
  readonly data: Float32Array;
  readonly shape: Shape;
  requiresGrad: boolean;
  /** Accumulated gradient of a leaf tensor; null until a backward pass reaches it (PyTorch's None). */
  grad: Tensor | null = null;
  /** Parents in the autograd graph and the closure that maps this tensor's grad to theirs. */
  private parents: readonly Tensor[] = [];
  private backwardFn: BackwardFn | null = null;
  /** Bookkeeping of a running `backward()`: the gradient flowing in, and the last walk that visited. */
  private pendingGrad: Float32Array | null = null;
  private visitStamp = 0;
  /** What the closure saved from the forward pass (see `fromOp`). */
  private saved: readonly SavedBuffer[] | null = null;

  constructor(data: Float32Array, shape: Shape, requiresGrad = false) {
    checkShape(shape, 'Tensor');
    if (data.length !== numel(shape)) {
      throw new RangeError(`Tensor: ${data.length} values do not fill shape ${shapeToString(shape)}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.requiresGrad = requiresGrad;
  }

  /**
   * Builds an op's output. The graph is recorded only when grad mode is on and a parent
   * requires grad, so inference and `noGrad` scopes pay nothing for autograd. `saved`: buffers
   * from `savedBuffer64` that only `backward` reads; they are given back for reuse when no
   * closure can run any more (at once when no graph is recorded, else by `releaseGraph`).
   */
  static fromOp(
    data: Float32Array,
    shape: Shape,
    parents: readonly Tensor[],
    backward: BackwardFn,
    saved: readonly SavedBuffer[] | null = null,
  ): Tensor {
    const out = new Tensor(data, shape);
    if (gradEnabled && parents.some((p) => p.requiresGrad)) {
      out.requiresGrad = true;
      out.parents = parents;
      out.backwardFn = backward;
      out.saved = saved;
    } else if (saved !== null) {
      for (const buf of saved) releaseSaved(buf);
    }
    return out;
  }

  get size(): number {
    return this.data.length;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** True for tensors created by the user rather than by an op (PyTorch's `is_leaf`). */
  get isLeaf(): boolean {
    return this.backwardFn === null;
  }

  /** The single value of a one-element tensor, like `loss.item()`. */
  item(): number {
    if (this.data.length !== 1) {
      throw new RangeError(
        `item: a Tensor with ${this.data.length} elements cannot be converted to a number`,
      );
    }
    return this.data[0];
  }

  /** A new tensor sharing no graph with this one (its data copied so later in-place updates do not leak). */
  detach(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape, this.requiresGrad);
  }

  /** Nested arrays in row-major order; a 0-d tensor gives a plain number. */
  toArray(): NestedArray {
    return toNested(this.data, this.shape);
  }

  toString(): string {
    return `Tensor(shape=${shapeToString(this.shape)}, data=${JSON.stringify(this.toArray())})`;
  }

  /**
   * Backpropagates from this tensor. Without an argument the tensor must hold one element
   * (a loss); otherwise `gradient` has this tensor's shape.
   */
  backward(gradient?: Tensor): void {
    if (!this.requiresGrad) {
      throw new Error('backward: element 0 of tensors does not require grad and does not have a grad_fn');
    }
    let seed: Float32Array;
    if (gradient === undefined) {
      if (this.data.length !== 1)
        throw new Error('backward: grad can be implicitly created only for scalar outputs');
      seed = new Float32Array([1]);
    } else {
      if (gradient.data.length !== this.data.length) {
        throw new RangeError(
          `backward: gradient shape ${shapeToString(gradient.shape)} does not match ${shapeToString(this.shape)}`,
        );
      }
      seed = gradient.data.slice();
    }

    // The gradient flowing into each node is held on the node itself during the walk (no Map);
    // the finally clears whatever a throwing closure left behind.
    const order = Tensor.topologicalOrder(this);
    this.pendingGrad = seed;
    try {
      for (let i = order.length - 1; i >= 0; i--) {
        const node = order[i];
        const g = node.pendingGrad;
        if (g === null) continue;
        node.pendingGrad = null;
        if (node.backwardFn === null) {
          node.accumulateGrad(g);
          continue;
        }
        const parentGrads = node.backwardFn(g);
        const parents = node.parents;
        let gEscaped = false;
        for (let k = 0; k < parents.length; k++) {
          const parent = parents[k];
          const pg = parentGrads[k];
          if (pg === null || pg === undefined) continue;
          if (pg.buffer === g.buffer) gEscaped = true;
          if (!parent.requiresGrad) continue;
          const existing = parent.pendingGrad;
          if (existing === null) {
            // The walk sums into pending gradients in place, so one it does not own alone (the
            // incoming one, or one returned for two parents) is copied first.
            parent.pendingGrad = pg === g || parentGrads.indexOf(pg) < k ? pg.slice() : pg;
          } else {
            for (let j = 0; j < existing.length; j++) existing[j] += pg[j];
          }
        }
        // The closure is done with its incoming gradient: reuse the memory unless a gradient it
        // returned is a view of it.
        if (!gEscaped && isWalkOwned(g)) releaseGradBuffer(g);
      }
    } finally {
      for (let i = 0; i < order.length; i++) order[i].pendingGrad = null;
    }
  }

  /**
   * Ends a training step's graph: the memory of the results its ops made (every node but the leaves,
   * this tensor included) goes to later ops, and a later `backward()` through it throws. Only for a
   * loop that keeps none of those tensors, like the trainer once it has its metrics; leaves
   * (parameters), inputs and constants keep their memory, as does anything sharing it.
   */
  releaseGraph(): void {
    // Released memory may already be another tensor's: a second release must not hand it out again.
    if (this.backwardFn === null || this.backwardFn === releasedGraph) return;
    const order = Tensor.topologicalOrder(this);
    const kept = new Set<ArrayBufferLike>();
    for (const node of order) {
      if (node.backwardFn === null) kept.add(node.data.buffer);
      else for (const parent of node.parents) if (!parent.requiresGrad) kept.add(parent.data.buffer);
    }
    for (const node of order) {
      if (node.backwardFn === null || node.backwardFn === releasedGraph) continue;
      node.parents = [];
      node.backwardFn = releasedGraph;
      if (node.saved !== null) for (const buf of node.saved) releaseSaved(buf);
      node.saved = null;
      if (kept.has(node.data.buffer)) continue;
      kept.add(node.data.buffer); // a view op's output shares its input's memory: release it once
      releaseGradBuffer(node.data);
    }
  }

  /** Parents before children, over the nodes that require grad; each walk marks nodes with a fresh stamp. */
  private static topologicalOrder(root: Tensor): Tensor[] {
    const stamp = ++lastStamp;
    const order: Tensor[] = [];
    // Iterative DFS: deep graphs (long custom-loss expressions, many layers) must not overflow the stack.
    const stack: Tensor[] = [root];
    const next: number[] = [0];
    root.visitStamp = stamp;
    while (stack.length > 0) {
      const top = stack.length - 1;
      const node = stack[top];
      const parents = node.parents;
      if (next[top] < parents.length) {
        const parent = parents[next[top]++];
        if (parent.requiresGrad && parent.visitStamp !== stamp) {
          parent.visitStamp = stamp;
          stack.push(parent);
          next.push(0);
        }
      } else {
        order.push(node);
        stack.pop();
        next.pop();
      }
    }
    return order;
  }

  private accumulateGrad(g: Float32Array): void {
    if (this.grad === null) {
      // A buffer only the walk holds becomes the gradient as is; anything else is copied.
      let data = g;
      if (!takeWalkOwned(g)) {
        data = outputBuffer(g.length);
        data.set(g);
      }
      this.grad = new Tensor(data, this.shape);
    } else {
      const acc = this.grad.data;
      for (let i = 0; i < acc.length; i++) acc[i] += g[i];
      if (isWalkOwned(g)) releaseGradBuffer(g);
    }
  }
}

function toNested(data: Float32Array, shape: Shape): NestedArray {
  if (shape.length === 0) return data[0];
  const build = (offset: number, dim: number): NestedArray[] => {
    const n = shape[dim];
    const out: NestedArray[] = new Array(n);
    if (dim === shape.length - 1) {
      for (let i = 0; i < n; i++) out[i] = data[offset + i];
      return out;
    }
    const stride = numel(shape.slice(dim + 1));
    for (let i = 0; i < n; i++) out[i] = build(offset + i * stride, dim + 1);
    return out;
  };
  return build(0, 0);
}

/** Infers the shape of a nested array, rejecting ragged input and non-numbers. */
export function inferShape(value: NestedArray, what = 'tensor'): number[] {
  const shape: number[] = [];
  let cursor: NestedArray = value;
  while (Array.isArray(cursor)) {
    shape.push(cursor.length);
    if (cursor.length === 0) break;
    cursor = cursor[0];
  }
  // The indices down to the element being checked; a message's path is built from them only on failure.
  const index: number[] = [];
  const path = (dim: number) =>
    index
      .slice(0, dim)
      .map((i) => `[${i}]`)
      .join('');
  const check = (v: NestedArray, dim: number): void => {
    if (dim === shape.length) {
      if (typeof v !== 'number') throw new TypeError(`${what}${path(dim)}: expected a number`);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      throw new RangeError(`${what}${path(dim)}: ragged nested array (expected length ${shape[dim]})`);
    }
    for (let i = 0; i < v.length; i++) {
      index[dim] = i;
      check(v[i], dim + 1);
    }
  };
  check(value, 0);
  return shape;
}

function flattenInto(value: NestedArray, out: Float32Array, offset: { i: number }): void {
  if (Array.isArray(value)) {
    for (const v of value) flattenInto(v, out, offset);
  } else {
    out[offset.i++] = value;
  }
}

export interface TensorOptions {
  requiresGrad?: boolean;
}

/** `torch.tensor(data)`: a tensor from a number or nested arrays. */
export function tensor(
  value: NestedArray | Float32Array,
  options: TensorOptions & { shape?: Shape } = {},
): Tensor {
  if (value instanceof Float32Array) {
    return new Tensor(value, options.shape ?? [value.length], options.requiresGrad ?? false);
  }
  const shape = inferShape(value);
  const data = new Float32Array(numel(shape));
  flattenInto(value, data, { i: 0 });
  if (options.shape !== undefined && numel(options.shape) !== data.length) {
    throw new RangeError(`tensor: ${data.length} values do not fill shape ${shapeToString(options.shape)}`);
  }
  return new Tensor(data, options.shape ?? shape, options.requiresGrad ?? false);
}

export function zeros(shape: Shape, options: TensorOptions = {}): Tensor {
  return new Tensor(new Float32Array(numel(shape)), shape, options.requiresGrad ?? false);
}

export function ones(shape: Shape, options: TensorOptions = {}): Tensor {
  return full(shape, 1, options);
}

export function full(shape: Shape, value: number, options: TensorOptions = {}): Tensor {
  return new Tensor(new Float32Array(numel(shape)).fill(value), shape, options.requiresGrad ?? false);
}

export function scalar(value: number): Tensor {
  return new Tensor(new Float32Array([value]), []);
}
