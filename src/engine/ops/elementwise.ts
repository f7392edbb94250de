/**
 * Broadcasting elementwise ops. Each op states its forward and its local derivative side by side;
 * `binary` and `unary` do the broadcasting and the chain rule.
 */
import { gradBuffer, outputBuffer } from '../grad-buffer.js';
import { numel, type Shape, scalar, Tensor } from '../tensor.js';
import {
  broadcastOffsets,
  broadcastShapes,
  broadcastStrides,
  reduceToShape,
  sameShape,
} from './broadcast.js';

export type TensorLike = Tensor | number;

export function asTensor(value: TensorLike): Tensor {
  return value instanceof Tensor ? value : scalar(value);
}

/** d(out)/d(a) and d(out)/d(b) at one element, given the inputs and the output. */
type BinaryGrad = (a: number, b: number, out: number) => number;

function binary(
  name: string,
  aIn: TensorLike,
  bIn: TensorLike,
  f: (a: number, b: number) => number,
  da: BinaryGrad,
  db: BinaryGrad,
): Tensor {
  const a = asTensor(aIn);
  const b = asTensor(bIn);
  const shape = sameShape(a.shape, b.shape) ? [...a.shape] : broadcastShapes(a.shape, b.shape, name);
  const n = numel(shape);
  const out = outputBuffer(n);
  const ad = a.data;
  const bd = b.data;
  let aOff: Int32Array | null = null;
  let bOff: Int32Array | null = null;
  if (a.size === n && b.size === n) {
    for (let i = 0; i < n; i++) out[i] = f(ad[i], bd[i]);
  } else if (b.size === 1 && a.size === n) {
    const bv = bd[0];
    for (let i = 0; i < n; i++) out[i] = f(ad[i], bv);
  } else {
    aOff = broadcastOffsets(shape, broadcastStrides(a.shape, shape));
    bOff = broadcastOffsets(shape, broadcastStrides(b.shape, shape));
    for (let i = 0; i < n; i++) out[i] = f(ad[aOff[i]], bd[bOff[i]]);
  }
  const ai = (i: number) => (aOff === null ? i : aOff[i]);
  const bi = (i: number) => (bOff === null ? (b.size === 1 ? 0 : i) : bOff[i]);
  return Tensor.fromOp(out, shape, [a, b], (g) => {
    let ga: Float32Array | null = null;
    let gb: Float32Array | null = null;
    if (a.requiresGrad) {
      const full = gradBuffer(n);
      for (let i = 0; i < n; i++) full[i] = g[i] * da(ad[ai(i)], bd[bi(i)], out[i]);
      ga = reduceToShape(full, shape, a.shape);
    }
    if (b.requiresGrad) {
      const full = gradBuffer(n);
      for (let i = 0; i < n; i++) full[i] = g[i] * db(ad[ai(i)], bd[bi(i)], out[i]);
      gb = reduceToShape(full, shape, b.shape);
    }
    return [ga, gb];
  });
}

/** An elementwise op of one tensor; `df(x, y)` is the derivative at input x with output y. */
export function unary(a: Tensor, f: (x: number) => number, df: (x: number, y: number) => number): Tensor {
  const n = a.size;
  const out = outputBuffer(n);
  const ad = a.data;
  for (let i = 0; i < n; i++) out[i] = f(ad[i]);
  return Tensor.fromOp(out, a.shape, [a], (g) => {
    const ga = gradBuffer(n);
    for (let i = 0; i < n; i++) ga[i] = g[i] * df(ad[i], out[i]);
    return [ga];
  });
}

const one = () => 1;
const minusOne = () => -1;

export const add = (a: TensorLike, b: TensorLike): Tensor => binary('add', a, b, (x, y) => x + y, one, one);

export const sub = (a: TensorLike, b: TensorLike): Tensor =>
  binary('sub', a, b, (x, y) => x - y, one, minusOne);

export const mul = (a: TensorLike, b: TensorLike): Tensor =>
  binary(
    'mul',
    a,
    b,
    (x, y) => x * y,
    (_x, y) => y,
    (x) => x,
  );

export const div = (a: TensorLike, b: TensorLike): Tensor =>
  binary(
    'div',
    a,
    b,
    (x, y) => x / y,
    (_x, y) => 1 / y,
    (x, y) => -x / (y * y),
  );

/** `a ** b`; the gradient in b uses log(a) and is 0 where a is 0 (as PyTorch masks it). */
export const pow = (a: TensorLike, b: TensorLike): Tensor =>
  binary(
    'pow',
    a,
    b,
    (x, y) => x ** y,
    (x, y) => (y === 0 ? 0 : y * x ** (y - 1)),
    (x, _y, out) => (x === 0 ? 0 : out * Math.log(x)),
  );

/** Elementwise max; on ties the gradient is split evenly, as in PyTorch. */
export const maximum = (a: TensorLike, b: TensorLike): Tensor =>
  binary(
    'maximum',
    a,
    b,
    Math.max,
    (x, y) => (x > y ? 1 : x === y ? 0.5 : 0),
    (x, y) => (y > x ? 1 : x === y ? 0.5 : 0),
  );

export const minimum = (a: TensorLike, b: TensorLike): Tensor =>
  binary(
    'minimum',
    a,
    b,
    Math.min,
    (x, y) => (x < y ? 1 : x === y ? 0.5 : 0),
    (x, y) => (y < x ? 1 : x === y ? 0.5 : 0),
  );

export const neg = (a: Tensor): Tensor => unary(a, (x) => -x, minusOne);
export const exp = (a: Tensor): Tensor => unary(a, Math.exp, (_x, y) => y);
export const log = (a: Tensor): Tensor => unary(a, Math.log, (x) => 1 / x);
export const log1p = (a: Tensor): Tensor => unary(a, Math.log1p, (x) => 1 / (1 + x));
export const sqrt = (a: Tensor): Tensor => unary(a, Math.sqrt, (_x, y) => 0.5 / y);
export const square = (a: Tensor): Tensor =>
  unary(
    a,
    (x) => x * x,
    (x) => 2 * x,
  );
/** |x|, with PyTorch's subgradient 0 at 0. */
export const abs = (a: Tensor): Tensor => unary(a, Math.abs, (x) => Math.sign(x));
export const sin = (a: Tensor): Tensor => unary(a, Math.sin, Math.cos);
export const cos = (a: Tensor): Tensor => unary(a, Math.cos, (x) => -Math.sin(x));

/** Clamps into [min, max]; the gradient passes where the input is inside the range (bounds included). */
export function clamp(a: Tensor, min?: number | null, max?: number | null): Tensor {
  const lo = min ?? Number.NEGATIVE_INFINITY;
  const hi = max ?? Number.POSITIVE_INFINITY;
  return unary(
    a,
    (x) => Math.min(Math.max(x, lo), hi),
    (x) => (x >= lo && x <= hi ? 1 : 0),
  );
}

/** Comparison ops give 0/1 tensors and no gradient (as boolean tensors have none in PyTorch). */
function compare(name: string, a: TensorLike, b: TensorLike, f: (x: number, y: number) => boolean): Tensor {
  const at = asTensor(a);
  const bt = asTensor(b);
  const shape = broadcastShapes(at.shape, bt.shape, name);
  const aOff = broadcastOffsets(shape, broadcastStrides(at.shape, shape));
  const bOff = broadcastOffsets(shape, broadcastStrides(bt.shape, shape));
  const out = new Float32Array(numel(shape));
  for (let i = 0; i < out.length; i++) out[i] = f(at.data[aOff[i]], bt.data[bOff[i]]) ? 1 : 0;
  return new Tensor(out, shape);
}

export const gt = (a: TensorLike, b: TensorLike) => compare('gt', a, b, (x, y) => x > y);
export const ge = (a: TensorLike, b: TensorLike) => compare('ge', a, b, (x, y) => x >= y);
export const lt = (a: TensorLike, b: TensorLike) => compare('lt', a, b, (x, y) => x < y);
export const le = (a: TensorLike, b: TensorLike) => compare('le', a, b, (x, y) => x <= y);
export const eq = (a: TensorLike, b: TensorLike) => compare('eq', a, b, (x, y) => x === y);

/** `torch.where(condition, a, b)`: picks a where condition is non-zero; gradients flow to the chosen side. */
export function where(condition: Tensor, aIn: TensorLike, bIn: TensorLike): Tensor {
  const a = asTensor(aIn);
  const b = asTensor(bIn);
  const shape = broadcastShapes(broadcastShapes(condition.shape, a.shape, 'where'), b.shape, 'where');
  const cOff = broadcastOffsets(shape, broadcastStrides(condition.shape, shape));
  const aOff = broadcastOffsets(shape, broadcastStrides(a.shape, shape));
  const bOff = broadcastOffsets(shape, broadcastStrides(b.shape, shape));
  const n = numel(shape);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = condition.data[cOff[i]] !== 0 ? a.data[aOff[i]] : b.data[bOff[i]];
  return Tensor.fromOp(out, shape, [a, b], (g) => {
    const ga = new Float32Array(n);
    const gb = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      if (condition.data[cOff[i]] !== 0) ga[i] = g[i];
      else gb[i] = g[i];
    }
    return [reduceToShape(ga, shape, a.shape), reduceToShape(gb, shape, b.shape)];
  });
}

/** A tensor of `shape` with every element of `a` broadcast to it (`a.expand(shape)`, materialised). */
export function expand(a: Tensor, shape: Shape): Tensor {
  const outShape = broadcastShapes(a.shape, shape, 'expand');
  const offsets = broadcastOffsets(outShape, broadcastStrides(a.shape, outShape));
  const out = new Float32Array(offsets.length);
  for (let i = 0; i < out.length; i++) out[i] = a.data[offsets[i]];
  return Tensor.fromOp(out, outShape, [a], (g) => [reduceToShape(g, outShape, a.shape)]);
}
