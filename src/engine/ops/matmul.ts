/**
 * Matrix products. The kernels compute C = op(A) · op(B) over row-major Float32Arrays with either
 * operand optionally transposed in place (no copies), which is what the backward pass needs:
 * for C = A·B, dA = dC·Bᵀ and dB = Aᵀ·dC.
 */

import { gradBuffer, gradScratch64, outputBuffer, releaseGradBuffer } from '../grad-buffer.js';
import { gemmInto } from '../kernels/gemm.js';
import { type Shape, shapeToString, Tensor } from '../tensor.js';

/**
 * out[m×n] (+)= op(a)[m×k] · op(b)[k×n]. `transA`: a is stored k×m; `transB`: b is stored n×k.
 * A thin wrapper over the kernels (kernels/gemm.ts): float32 sums in k order, SIMD when it pays.
 */
export function gemm(
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  m: number,
  k: number,
  n: number,
  transA = false,
  transB = false,
  accumulate = false,
): void {
  gemmInto(a, b, out, m, k, n, { transA, transB, accumulate });
}

function mm(a: Tensor, b: Tensor): Tensor {
  const [m, k] = a.shape;
  const [k2, n] = b.shape;
  if (k !== k2) {
    throw new RangeError(`matmul: mat1 and mat2 shapes cannot be multiplied (${m}x${k} and ${k2}x${n})`);
  }
  const out = new Float32Array(m * n);
  gemm(a.data, b.data, out, m, k, n);
  return Tensor.fromOp(out, [m, n], [a, b], (g) => {
    let ga: Float32Array | null = null;
    let gb: Float32Array | null = null;
    if (a.requiresGrad) {
      ga = gradBuffer(m * k);
      gemm(g, b.data, ga, m, n, k, false, true); // dA = dC · Bᵀ
    }
    if (b.requiresGrad) {
      gb = gradBuffer(k * n);
      gemm(a.data, g, gb, k, m, n, true, false); // dB = Aᵀ · dC
    }
    return [ga, gb];
  });
}

/**
 * `torch.matmul` for 1-D and 2-D operands, and N-D @ 2-D (a batch of rows times a matrix,
 * as `nn.Linear` applies to inputs of shape (N, *, in)).
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0)
    throw new RangeError('matmul: both arguments to matmul need to be at least 1D');
  if (b.ndim > 2)
    throw new RangeError(`matmul: batched right operands are not supported (got ${shapeToString(b.shape)})`);
  const b2 = b.ndim === 1 ? asMatrix(b, [b.shape[0], 1]) : b;
  const a2 =
    a.ndim === 1
      ? asMatrix(a, [1, a.shape[0]])
      : a.ndim > 2
        ? asMatrix(a, [a.size / a.shape[a.ndim - 1], a.shape[a.ndim - 1]])
        : a;
  const out = mm(a2, b2);
  const shape: number[] = [...a.shape.slice(0, -1), ...(b.ndim === 2 ? [b.shape[1]] : [])];
  return shape.length === 2 && a.ndim === 2 && b.ndim === 2 ? out : asMatrix(out, shape);
}

function asMatrix(t: Tensor, shape: Shape): Tensor {
  return Tensor.fromOp(t.data, shape, [t], (g) => [g]);
}

/**
 * The fused `nn.Linear` op: y = x·Wᵀ + b for x of shape (N, in) (or (N, *, in)), W (out, in),
 * b (out). The weight is used transposed in place.
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  return linearOp(x, weight, bias, false);
}

/**
 * relu(linear(x, W, b)) as one op with the same results (`nn.Sequential` uses it for a Linear
 * followed by a ReLU): ReLU is applied in the product's epilogue (gemm.ts), and its backward masks the
 * gradient with output > 0, which is the pre-activation > 0 that `relu` tests (NaN stays NaN).
 */
export function linearRelu(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  return linearOp(x, weight, bias, true);
}

function linearOp(x: Tensor, weight: Tensor, bias: Tensor | null, withRelu: boolean): Tensor {
  const inF = weight.shape[1];
  const outF = weight.shape[0];
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inF) {
    throw new RangeError(
      `linear: mat1 and mat2 shapes cannot be multiplied (input ${shapeToString(x.shape)}, weight ${shapeToString(weight.shape)})`,
    );
  }
  const rows = x.size / inF;
  const out = outputBuffer(rows * outF);
  gemmInto(x.data, weight.data, out, rows, inF, outF, {
    transB: true,
    bias: bias?.data ?? null,
    relu: withRelu,
  });
  const shape = [...x.shape.slice(0, -1), outF];
  const parents = bias === null ? [x, weight] : [x, weight, bias];
  return Tensor.fromOp(out, shape, parents, (gOut) => {
    const sumBias = bias?.requiresGrad === true;
    let g = gOut;
    let gbias: Float32Array | null = null;
    if (withRelu) {
      g = gradBuffer(gOut.length);
      gbias = reluBackward(gOut, out, g, rows, outF, sumBias);
    } else if (sumBias) {
      gbias = columnSums(g, rows, outF);
    }
    let gx: Float32Array | null = null;
    let gw: Float32Array | null = null;
    if (x.requiresGrad) {
      gx = gradBuffer(rows * inF);
      gemm(g, weight.data, gx, rows, outF, inF); // dX = dY · W
    }
    if (weight.requiresGrad) {
      gw = gradBuffer(outF * inF);
      gemm(g, x.data, gw, outF, rows, inF, true, false); // dW = dYᵀ · X
    }
    if (g !== gOut) releaseGradBuffer(g); // the masked gradient is this closure's own scratch
    return [gx, gw, gbias];
  });
}

/**
 * ReLU's backward from its output into `g`: the gradient where output > 0, else 0 (NaN · 0 stays
 * NaN); with `sumColumns`, in the same pass, the bias gradient (columnSums of `g`). The mask is a
 * number (`+(out > 0)`), not a branch: ReLU's signs are a coin toss the branch predictor loses.
 */
function reluBackward(
  gOut: Float32Array,
  out: Float32Array,
  g: Float32Array,
  rows: number,
  cols: number,
  sumColumns: boolean,
): Float32Array | null {
  if (!sumColumns) {
    for (let i = 0; i < g.length; i++) g[i] = gOut[i] * +(out[i] > 0);
    return null;
  }
  const acc = gradScratch64(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) {
      const v = gOut[o + j] * +(out[o + j] > 0);
      g[o + j] = v;
      acc[j] += v;
    }
  }
  const sums = gradBuffer(cols);
  sums.set(acc);
  return sums;
}

/** The bias gradient: column sums of a rows×cols gradient, in float64, rounded once. */
function columnSums(g: Float32Array, rows: number, cols: number): Float32Array {
  const acc = gradScratch64(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) acc[j] += g[o + j];
  }
  const sums = gradBuffer(cols);
  sums.set(acc);
  return sums;
}
