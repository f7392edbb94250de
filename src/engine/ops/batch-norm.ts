/**
 * `F.batch_norm` over inputs (N, C, *): the channel is dimension 1 and every other dimension is
 * reduced, so BatchNorm1d on (N, C) or (N, C, L) and BatchNorm2d on (N, C, H, W) are the same op
 * with `inner` = 1, L or H·W contiguous values per (sample, channel).
 *
 * The loops walk the input in memory order, one (sample, channel) run of `inner` values at a time,
 * with the statistics of a run summed in doubles and no per-element calls. Like PyTorch, the
 * forward saves only the per-channel mean and inverse standard deviation; the backward recomputes
 * x̂ = (x - mean)·invstd from the input, so nothing the size of the input is kept besides the output.
 */
import { gradBuffer, gradScratch64, outputBuffer, savedBuffer64 } from '../grad-buffer.js';
import { shapeToString, Tensor } from '../tensor.js';

export interface BatchNormArgs {
  /**
   * Running statistics (C values each). With `training`, they are updated in place with the batch
   * statistics (running_var with the unbiased variance); without, they normalise the input.
   */
  runningMean: Tensor | null;
  runningVar: Tensor | null;
  weight: Tensor | null;
  bias: Tensor | null;
  /** Normalise with the batch's statistics (PyTorch's `training` argument). */
  training: boolean;
  /** The running average's factor for this step (the module turns momentum=None into 1/batches). */
  momentum: number;
  eps: number;
}

export function batchNorm(input: Tensor, args: BatchNormArgs): Tensor {
  const { runningMean, runningVar, weight, bias, training, momentum, eps } = args;
  if (input.ndim < 2) {
    throw new RangeError(`batch_norm: expected input of shape (N, C, *), got ${shapeToString(input.shape)}`);
  }
  const n = input.shape[0];
  const c = input.shape[1];
  const inner = n * c === 0 ? 0 : input.size / (n * c);
  const count = n * inner;
  for (const [name, t] of [
    ['running_mean', runningMean],
    ['running_var', runningVar],
    ['weight', weight],
    ['bias', bias],
  ] as const) {
    if (t !== null && t.size !== c)
      throw new RangeError(`batch_norm: ${name} should contain ${c} elements not ${t.size}`);
  }
  if (!training && (runningMean === null || runningVar === null))
    throw new RangeError('batch_norm: running_mean and running_var must be defined in evaluation mode');
  // The unbiased variance of one value is undefined. (The modules refuse such batches whenever they
  // train; evaluating without running statistics, a lone value normalises to the bias.)
  if (training && (runningMean !== null || runningVar !== null) && count <= 1) {
    throw new RangeError(
      `Expected more than 1 value per channel when training, got input size ${shapeToString(input.shape)}`,
    );
  }

  const x = input.data;
  // stats[ch] is the mean, stats[c + ch] the inverse standard deviation the output used.
  const stats = savedBuffer64(2 * c);
  if (training) {
    batchStatistics(x, n, c, inner, stats);
    for (let ch = 0; ch < c; ch++) {
      const variance = stats[c + ch];
      stats[c + ch] = 1 / Math.sqrt(variance + eps);
      if (runningMean !== null) {
        const rm = runningMean.data;
        rm[ch] = (1 - momentum) * rm[ch] + momentum * stats[ch];
      }
      if (runningVar !== null) {
        const rv = runningVar.data;
        rv[ch] = (1 - momentum) * rv[ch] + momentum * variance * (count / (count - 1));
      }
    }
  } else {
    for (let ch = 0; ch < c; ch++) {
      stats[ch] = runningMean!.data[ch];
      stats[c + ch] = 1 / Math.sqrt(runningVar!.data[ch] + eps);
    }
  }

  // y = x·scale + shift per channel, with scale = weight·invstd and shift = bias - mean·scale (as
  // PyTorch's CPU kernel computes it).
  const out = outputBuffer(input.size);
  const scale = gradScratch64(2 * c);
  for (let ch = 0; ch < c; ch++) {
    const s = (weight === null ? 1 : weight.data[ch]) * stats[c + ch];
    scale[ch] = s;
    scale[c + ch] = (bias === null ? 0 : bias.data[ch]) - stats[ch] * s;
  }
  for (let i = 0, at = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const s = scale[ch];
      const t = scale[c + ch];
      const end = at + inner;
      for (; at < end; at++) out[at] = x[at] * s + t;
    }
  }

  const parents = weight === null ? [input] : bias === null ? [input, weight] : [input, weight, bias];
  return Tensor.fromOp(
    out,
    input.shape,
    parents,
    (g) => batchNormBackward(g, input, n, c, inner, stats, weight, bias, training),
    [stats],
  );
}

/** Per-channel mean into stats[ch] and biased variance into stats[c + ch] (two passes, in doubles). */
function batchStatistics(x: Float32Array, n: number, c: number, inner: number, stats: Float64Array): void {
  const count = n * inner;
  for (let i = 0, at = 0; i < n; i++, at += c * inner)
    for (let ch = 0; ch < c; ch++) stats[ch] += sumRun(x, at + ch * inner, at + (ch + 1) * inner);
  for (let ch = 0; ch < c; ch++) stats[ch] /= count;
  for (let i = 0, at = 0; i < n; i++, at += c * inner)
    for (let ch = 0; ch < c; ch++)
      stats[c + ch] += squaredDeviationRun(x, at + ch * inner, at + (ch + 1) * inner, stats[ch]);
  for (let ch = 0; ch < c; ch++) stats[c + ch] /= count;
}

// The reductions keep four running sums (a fixed order, so results are deterministic): one sum
// waits on the previous addition, four let the additions overlap (about 30% faster on images).

/** Σ x[from, to) in doubles. */
function sumRun(x: Float32Array, from: number, to: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let at = from;
  for (const end4 = to - 3; at < end4; at += 4) {
    s0 += x[at];
    s1 += x[at + 1];
    s2 += x[at + 2];
    s3 += x[at + 3];
  }
  for (; at < to; at++) s0 += x[at];
  return s0 + s1 + (s2 + s3);
}

/** Σ (x - mean)² over x[from, to) in doubles. */
function squaredDeviationRun(x: Float32Array, from: number, to: number, mean: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let at = from;
  for (const end4 = to - 3; at < end4; at += 4) {
    const d0 = x[at] - mean;
    const d1 = x[at + 1] - mean;
    const d2 = x[at + 2] - mean;
    const d3 = x[at + 3] - mean;
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (; at < to; at++) {
    const d = x[at] - mean;
    s0 += d * d;
  }
  return s0 + s1 + (s2 + s3);
}

/**
 * With batch statistics, dx = w·invstd·(g - Σg/M - x̂·Σ(g·x̂)/M) over the M values of a channel;
 * with running statistics the mean and variance are constants and dx = w·invstd·g. In both,
 * dweight = Σ(g·x̂) and dbias = Σg.
 */
function batchNormBackward(
  g: Float32Array,
  input: Tensor,
  n: number,
  c: number,
  inner: number,
  stats: Float64Array,
  weight: Tensor | null,
  bias: Tensor | null,
  training: boolean,
): (Float32Array | null)[] {
  const x = input.data;
  const count = n * inner;
  // sums[ch] = Σg, sums[c + ch] = Σ g·(x - mean); x̂ = (x - mean)·invstd.
  const sums = gradScratch64(2 * c);
  for (let i = 0, at = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const mean = stats[ch];
      // Two running sums of each (see sumRun).
      let sg0 = 0;
      let sg1 = 0;
      let sgx0 = 0;
      let sgx1 = 0;
      const end = at + inner;
      for (const end2 = end - 1; at < end2; at += 2) {
        const g0 = g[at];
        const g1 = g[at + 1];
        sg0 += g0;
        sg1 += g1;
        sgx0 += g0 * (x[at] - mean);
        sgx1 += g1 * (x[at + 1] - mean);
      }
      if (at < end) {
        sg0 += g[at];
        sgx0 += g[at] * (x[at] - mean);
        at++;
      }
      sums[ch] += sg0 + sg1;
      sums[c + ch] += sgx0 + sgx1;
    }
  }
  let gx: Float32Array | null = null;
  if (input.requiresGrad) {
    gx = gradBuffer(input.size);
    // Per channel: dx = a·g + b·(x - mean) + d, with the constants folded once.
    const coef = gradScratch64(3 * c);
    for (let ch = 0; ch < c; ch++) {
      const invstd = stats[c + ch];
      const k = (weight === null ? 1 : weight.data[ch]) * invstd;
      coef[ch] = k;
      if (training) {
        coef[c + ch] = -k * (sums[c + ch] / count) * invstd * invstd;
        coef[2 * c + ch] = -k * (sums[ch] / count);
      }
    }
    for (let i = 0, at = 0; i < n; i++) {
      for (let ch = 0; ch < c; ch++) {
        const a = coef[ch];
        const b = coef[c + ch];
        const d = coef[2 * c + ch];
        const mean = stats[ch];
        const end = at + inner;
        for (; at < end; at++) gx[at] = a * g[at] + b * (x[at] - mean) + d;
      }
    }
  }
  if (weight === null) return [gx];
  const gw = gradBuffer(c);
  for (let ch = 0; ch < c; ch++) gw[ch] = sums[c + ch] * stats[c + ch];
  if (bias === null) return [gx, gw];
  const gb = gradBuffer(c);
  for (let ch = 0; ch < c; ch++) gb[ch] = sums[ch];
  return [gx, gw, gb];
}
