/**
 * One direction of one layer of PyTorch's `nn.RNN` / `nn.LSTM` / `nn.GRU`, fused into a single op
 * with its own backward through time.
 *
 * Forward over x (T, B, I), time-major, from a zero initial state:
 *   1. the input projections of all T steps in one product: XP = X · W_ihᵀ + b_ih, (T·B, G·H);
 *   2. per step, the hidden projections of the whole batch in one product, HP = h_{t-1} · W_hhᵀ +
 *      b_hh, against W_hh packed once for the whole sequence (FixedBGemm), then the gates.
 * Gate order is PyTorch's: LSTM (i, f, g, o), GRU (r, z, n), RNN one block.
 *   LSTM: c = f ⊙ c' + i ⊙ g,  h = o ⊙ tanh(c)
 *   GRU:  n = tanh(xn + r ⊙ hn),  h = n + z ⊙ (h' − n)   (hn includes b_hn, as in PyTorch)
 *   RNN:  h = tanh(x + hp) or relu(x + hp)
 * Backward walks the steps in reverse: per step the gate gradients of the batch and one product
 * dh' = dG_h · W_hh; then the weight gradients of all steps in one product each
 * (dW_ih = dG_xᵀ · X, dW_hh = dG_hᵀ · H_prev) and dX = dG_x · W_ih. The saved gates and cells come
 * from the buffer pool and go back to it when the graph is released. Every sum runs in a fixed
 * order, so results are bitwise repeatable.
 */
import { gradBuffer, outputBuffer, releaseGradBuffer } from '../grad-buffer.js';
import { FixedBGemm, gemmInto } from '../kernels/gemm.js';
import { shapeToString, Tensor } from '../tensor.js';
import { lstmStepGrads, lstmSteps, otherSteps, type StepOrder, stepAt } from './recurrent-steps.js';

export type RecurrentMode = 'LSTM' | 'GRU' | 'RNN_TANH' | 'RNN_RELU';

/** Gate blocks per mode: the rows of W_ih are G·hidden_size. */
export const GATES: Readonly<Record<RecurrentMode, number>> = Object.freeze({
  LSTM: 4,
  GRU: 3,
  RNN_TANH: 1,
  RNN_RELU: 1,
});

/**
 * Runs one direction over x (T, B, I), or (B, T, I) with `batchFirst`; `reverse` walks t = T-1 … 0
 * (the `_reverse` weights of a bidirectional layer). Returns h for every step in x's layout,
 * (T, B, H) or (B, T, H), in input time order. Every row-indexed buffer (projections, gates, cells,
 * output, their gradients) keeps x's row order, so batch_first needs no transposes; the per-step
 * products read and write contiguous (B, ·) scratch rows.
 */
export function recurrentDirection(
  x: Tensor,
  weightIh: Tensor,
  weightHh: Tensor,
  biasIh: Tensor | null,
  biasHh: Tensor | null,
  mode: RecurrentMode,
  reverse = false,
  batchFirst = false,
): Tensor {
  const g = GATES[mode];
  if (x.ndim !== 3 || weightIh.ndim !== 2 || weightHh.ndim !== 2)
    throw new RangeError(
      `${mode}: expected input (L, N, H_in) and 2-d weights, got ${shapeToString(x.shape)}, ${shapeToString(weightIh.shape)} and ${shapeToString(weightHh.shape)}`,
    );
  const [steps, batch] = batchFirst ? [x.shape[1], x.shape[0]] : [x.shape[0], x.shape[1]];
  const inSize = x.shape[2];
  const hidden = weightHh.shape[1];
  const gh = g * hidden;
  if (weightIh.shape[0] !== gh || weightIh.shape[1] !== inSize || weightHh.shape[0] !== gh)
    throw new RangeError(
      `${mode}: input.size(-1) must be equal to input_size. Expected ${weightIh.shape[1]}, got ${inSize}`,
    );
  const rows = steps * batch;
  const bh = batch * hidden;
  /** The row of step t, sample b, in x's layout. */
  const row = batchFirst ? (t: number, b: number) => b * steps + t : (t: number, b: number) => t * batch + b;

  const xp = outputBuffer(rows * gh);
  gemmInto(x.data, weightIh.data, xp, rows, inSize, gh, { transB: true, bias: biasIh?.data ?? null });
  const out = outputBuffer(rows * hidden);
  // Saved for backward: activated gates (LSTM, GRU), cells and their tanh (LSTM), the hidden part
  // of n (GRU).
  const gates = mode === 'LSTM' || mode === 'GRU' ? outputBuffer(rows * gh) : null;
  const cells = mode === 'LSTM' ? outputBuffer(rows * hidden) : null;
  const tanhCells = mode === 'LSTM' ? outputBuffer(rows * hidden) : null;
  const hn = mode === 'GRU' ? outputBuffer(rows * hidden) : null;
  const bhh = biasHh?.data ?? null;
  const whh = new FixedBGemm(weightHh.data, gh, hidden, true, batch);
  const order: StepOrder = { steps, batch, reverse, batchFirst };
  if (mode === 'LSTM') lstmSteps(xp, whh, bhh, order, hidden, gates!, cells!, tanhCells!, out);
  else otherSteps(xp, whh, bhh, order, hidden, mode, gates, hn, out);
  releaseGradBuffer(xp);

  const parents = [x, weightIh, weightHh];
  if (biasIh !== null) parents.push(biasIh);
  if (biasHh !== null) parents.push(biasHh);
  const saved = [gates, cells, tanhCells, hn].filter((buf): buf is Float32Array => buf !== null);
  return Tensor.fromOp(
    out,
    batchFirst ? [batch, steps, hidden] : [steps, batch, hidden],
    parents,
    (gOut) => {
      const dgx = gradBuffer(rows * gh);
      const dgh = mode === 'GRU' ? gradBuffer(rows * gh) : dgx; // the same but for GRU's n
      const dh = gradBuffer(bh); // gradient reaching h_{t} from step t+1
      const dc = mode === 'LSTM' ? gradBuffer(bh) : null;
      const whhT = new FixedBGemm(weightHh.data, hidden, gh, false, batch);
      // Step t's hidden-side gate gradients, (B, G·H) contiguous for its product.
      const dgStep = batchFirst ? gradBuffer(batch * gh) : null;
      // An LSTM's bias gradients (both biases: the same gate gradients), summed as the steps go.
      const biasSum = mode === 'LSTM' && (biasIh !== null || biasHh !== null) ? new Float64Array(gh) : null;
      if (mode === 'LSTM') {
        const lstmSaved = { gates: gates!, cells: cells!, tanhCells: tanhCells! };
        for (let s = steps - 1; s >= 0; s--) {
          lstmStepGrads(order, s, hidden, gOut, lstmSaved, dgx, dgStep, dh, dc!, biasSum);
          const t = stepAt(order, s);
          if (s > 0) whhT.product(dgStep ?? dgx.subarray(t * batch * gh, (t + 1) * batch * gh), dh, batch);
        }
      } else {
        for (let s = steps - 1; s >= 0; s--) {
          const t = reverse ? steps - 1 - s : s;
          const prev = reverse ? t + 1 : t - 1;
          for (let b = 0; b < batch; b++) {
            const gr = row(t, b) * gh;
            const ob = row(t, b) * hidden;
            const pb = s === 0 ? 0 : row(prev, b) * hidden;
            for (let u = 0; u < hidden; u++) {
              const j = b * hidden + u;
              const o = ob + u;
              const dht = gOut[o] + dh[j];
              const hPrev = s === 0 ? 0 : out[pb + u];
              if (mode === 'GRU') {
                const r = gates![gr + u];
                const z = gates![gr + hidden + u];
                const n = gates![gr + 2 * hidden + u];
                const dn = dht * (1 - z) * (1 - n * n);
                const dr = dn * hn![o] * r * (1 - r);
                const dz = dht * (hPrev - n) * z * (1 - z);
                dgx[gr + u] = dr;
                dgx[gr + hidden + u] = dz;
                dgx[gr + 2 * hidden + u] = dn;
                dgh[gr + u] = dr;
                dgh[gr + hidden + u] = dz;
                dgh[gr + 2 * hidden + u] = dn * r;
                dh[j] = dht * z; // h = n + z·(h' − n): the direct path to h'
              } else {
                const h = out[o];
                dgx[gr + u] = mode === 'RNN_TANH' ? dht * (1 - h * h) : h > 0 ? dht : 0;
                dh[j] = 0;
              }
            }
          }
          if (s > 0) {
            let block: Float32Array;
            if (dgStep === null) block = dgh.subarray(t * batch * gh, (t + 1) * batch * gh);
            else {
              for (let b = 0; b < batch; b++)
                dgStep.set(dgh.subarray(row(t, b) * gh, (row(t, b) + 1) * gh), b * gh);
              block = dgStep;
            }
            whhT.product(block, dh, batch, { accumulate: mode === 'GRU' });
          }
        }
      }
      releaseGradBuffer(dh);
      if (dgStep !== null) releaseGradBuffer(dgStep);
      if (dc !== null) releaseGradBuffer(dc);

      const result: (Float32Array | null)[] = [null, null, null];
      if (x.requiresGrad) {
        const gx = gradBuffer(x.size);
        gemmInto(dgx, weightIh.data, gx, rows, gh, inSize); // dX = dG_x · W_ih
        result[0] = gx;
      }
      if (weightIh.requiresGrad) {
        const gw = gradBuffer(gh * inSize);
        gemmInto(dgx, x.data, gw, gh, rows, inSize, { transA: true }); // dW_ih = dG_xᵀ · X
        result[1] = gw;
      }
      if (weightHh.requiresGrad) {
        // H_prev in x's row order: the state each step started from (zero for the first step).
        const hPrev = gradBuffer(rows * hidden);
        for (let s = 1; s < steps; s++) {
          const t = reverse ? steps - 1 - s : s;
          const prev = reverse ? t + 1 : t - 1;
          for (let b = 0; b < batch; b++)
            hPrev.set(out.subarray(row(prev, b) * hidden, (row(prev, b) + 1) * hidden), row(t, b) * hidden);
        }
        const gw = gradBuffer(gh * hidden);
        gemmInto(dgh, hPrev, gw, gh, rows, hidden, { transA: true }); // dW_hh = dG_hᵀ · H_prev
        releaseGradBuffer(hPrev);
        result[2] = gw;
      }
      const biasGrad = (m: Float32Array) => (biasSum === null ? columnSums(m, rows, gh) : rounded(biasSum));
      if (biasIh !== null) result.push(biasIh.requiresGrad ? biasGrad(dgx) : null);
      if (biasHh !== null) result.push(biasHh.requiresGrad ? biasGrad(dgh) : null);
      releaseGradBuffer(dgx);
      if (dgh !== dgx) releaseGradBuffer(dgh);
      return result;
    },
    saved,
  );
}

/** Sums over the rows of a rows×cols matrix, in float64 rounded once. */
function columnSums(m: Float32Array, rows: number, cols: number): Float32Array {
  const acc = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) acc[c] += m[base + c];
  }
  return rounded(acc);
}

/** A float64 sum rounded to a float32 gradient buffer. */
function rounded(acc: Float64Array): Float32Array {
  const out = gradBuffer(acc.length);
  out.set(acc);
  return out;
}
