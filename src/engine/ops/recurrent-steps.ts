/**
 * The step loops of the recurrent op (recurrent.ts). Forward: from the input projections of all
 * steps, XP (rows × G·H, x's row order), per step the hidden projections of the whole batch
 * HP = h_{t-1} · W_hhᵀ + b_hh and the gates, writing h of every step in x's row order and what
 * backward needs (GRU: x's row order; LSTM: time-major, (T, B, ·), one contiguous block per step).
 * The LSTM's pointwise part runs on the LstmCell kernel; GRU and RNN in JavaScript. Backward of an
 * LSTM step: its gate gradients (lstmStepGrads).
 */
import { outputBuffer, releaseGradBuffer } from '../grad-buffer.js';
import type { FixedBGemm } from '../kernels/gemm.js';
import { LstmCell } from '../kernels/lstm-cell.js';

/** Which steps run in which order, and how rows are laid out. */
export interface StepOrder {
  steps: number;
  batch: number;
  /** Walk t = T-1 … 0. */
  reverse: boolean;
  /** Rows are (B, T) instead of (T, B). */
  batchFirst: boolean;
}

/** The row of step t, sample b, in x's layout. */
export function rowOf({ steps, batch, batchFirst }: StepOrder, t: number, b: number): number {
  return batchFirst ? b * steps + t : t * batch + b;
}

/** The step processed s-th (input time order, or reversed). */
export function stepAt({ steps, reverse }: StepOrder, s: number): number {
  return reverse ? steps - 1 - s : s;
}

/** Copies the (B, width) block of step t between x-ordered rows and a contiguous batch block. */
function moveStep(
  order: StepOrder,
  t: number,
  width: number,
  rows: Float32Array,
  block: Float32Array,
  toRows: boolean,
): void {
  const { batch } = order;
  if (!order.batchFirst) {
    if (toRows) rows.set(block.subarray(0, batch * width), t * batch * width);
    else block.set(rows.subarray(t * batch * width, (t + 1) * batch * width));
    return;
  }
  for (let b = 0; b < batch; b++) {
    const r = rowOf(order, t, b) * width;
    if (toRows) rows.set(block.subarray(b * width, (b + 1) * width), r);
    else block.set(rows.subarray(r, r + width), b * width);
  }
}

/** The hidden projections of the first step (h_{-1} = 0): the bias alone. */
function firstHidden(hp: Float32Array, bhh: Float32Array | null, batch: number, gh: number): void {
  for (let b = 0; b < batch; b++) for (let j = 0; j < gh; j++) hp[b * gh + j] = bhh === null ? 0 : bhh[j];
}

/** LSTM: c = f ⊙ c' + i ⊙ g, h = o ⊙ tanh(c); saves the activated gates, c and tanh(c) time-major. */
export function lstmSteps(
  xp: Float32Array,
  whh: FixedBGemm,
  bhh: Float32Array | null,
  order: StepOrder,
  hidden: number,
  gates: Float32Array,
  cells: Float32Array,
  tanhCells: Float32Array,
  out: Float32Array,
): void {
  const { steps, batch } = order;
  const gh = 4 * hidden;
  const cell = new LstmCell(batch, hidden);
  for (let s = 0; s < steps; s++) {
    const t = stepAt(order, s);
    moveStep(order, t, gh, xp, cell.xp, false);
    if (s === 0) firstHidden(cell.hp, bhh, batch, gh);
    else whh.product(cell.h, cell.hp, batch, { bias: bhh });
    cell.run();
    const step = t * batch;
    gates.set(cell.gates, step * gh);
    cells.set(cell.cells, step * hidden);
    tanhCells.set(cell.tanhCells, step * hidden);
    moveStep(order, t, hidden, out, cell.h, true);
  }
}

/** What an LSTM's forward saved, time-major (T, B, ·). */
export interface LstmSaved {
  gates: Float32Array;
  cells: Float32Array;
  tanhCells: Float32Array;
}

/**
 * The gate gradients of LSTM step t (processed s-th) for the whole batch, from the output gradient
 * gOut (x's row order) and dh, dc (the gradients reaching h_t and c_t from the next step, (B, H)):
 * written to dgx in x's row order and, when `block` is given, also contiguous (B, 4H) there for the
 * next product. Leaves dc for the step before; dh is left for the caller's product to overwrite.
 * `biasSum` (float64, 4H) gets the gate gradients added: the bias gradient.
 */
export function lstmStepGrads(
  order: StepOrder,
  s: number,
  hidden: number,
  gOut: Float32Array,
  saved: LstmSaved,
  dgx: Float32Array,
  block: Float32Array | null,
  dh: Float32Array,
  dc: Float32Array,
  biasSum: Float64Array | null,
): void {
  const { batch } = order;
  const gh = 4 * hidden;
  const t = stepAt(order, s);
  const { gates, cells, tanhCells } = saved;
  const prevBase = s === 0 ? -1 : stepAt(order, s - 1) * batch * hidden;
  // The gradients go to a contiguous (B, 4H) block: `block`, or the step's rows of dgx when x is
  // time-major (the same thing); with `block` its rows are copied to dgx's afterwards.
  const dst = block ?? dgx.subarray(t * batch * gh, (t + 1) * batch * gh);
  for (let b = 0; b < batch; b++) {
    const sr = (t * batch + b) * gh; // saved gates, time-major
    const sc = (t * batch + b) * hidden;
    const ob = rowOf(order, t, b) * hidden;
    const br = b * gh;
    for (let u = 0; u < hidden; u++) {
      const j = b * hidden + u;
      const dht = gOut[ob + u] + dh[j];
      const ig = gates[sr + u];
      const fg = gates[sr + hidden + u];
      const gg = gates[sr + 2 * hidden + u];
      const og = gates[sr + 3 * hidden + u];
      const tc = tanhCells[sc + u];
      const dct = dht * og * (1 - tc * tc) + dc[j];
      const cPrev = prevBase < 0 ? 0 : cells[prevBase + j];
      dst[br + u] = dct * gg * ig * (1 - ig);
      dst[br + hidden + u] = dct * cPrev * fg * (1 - fg);
      dst[br + 2 * hidden + u] = dct * ig * (1 - gg * gg);
      dst[br + 3 * hidden + u] = dht * tc * og * (1 - og);
      dc[j] = dct * fg;
    }
  }
  if (block !== null) moveStep(order, t, gh, dgx, block, true);
  if (biasSum !== null) {
    // The float32 values as stored, summed in float64 in a fixed order.
    for (let b = 0; b < batch; b++) for (let k = 0; k < gh; k++) biasSum[k] += dst[b * gh + k];
  }
}

/** GRU (r, z, n) and RNN (tanh or relu); GRU saves its activated gates and the hidden part of n. */
export function otherSteps(
  xp: Float32Array,
  whh: FixedBGemm,
  bhh: Float32Array | null,
  order: StepOrder,
  hidden: number,
  mode: 'GRU' | 'RNN_TANH' | 'RNN_RELU',
  gates: Float32Array | null,
  hn: Float32Array | null,
  out: Float32Array,
): void {
  const { steps, batch } = order;
  const gh = (mode === 'GRU' ? 3 : 1) * hidden;
  const hp = outputBuffer(batch * gh);
  const hStep = outputBuffer(batch * hidden); // h of the previous step, (B, H) contiguous for its product
  for (let s = 0; s < steps; s++) {
    const t = stepAt(order, s);
    const prev = stepAt(order, s - 1); // the step whose state feeds this one (s > 0)
    if (s === 0) firstHidden(hp, bhh, batch, gh);
    else whh.product(hStep, hp, batch, { bias: bhh });
    for (let b = 0; b < batch; b++) {
      const xr = rowOf(order, t, b) * gh;
      const hr = b * gh;
      const ob = rowOf(order, t, b) * hidden;
      const pb = s === 0 ? 0 : rowOf(order, prev, b) * hidden;
      for (let u = 0; u < hidden; u++) {
        const o = ob + u;
        const hPrev = s === 0 ? 0 : out[pb + u];
        if (mode === 'GRU') {
          const r = sigmoid(Math.fround(xp[xr + u] + hp[hr + u]));
          const z = sigmoid(Math.fround(xp[xr + hidden + u] + hp[hr + hidden + u]));
          const hnu = hp[hr + 2 * hidden + u];
          const n = Math.tanh(Math.fround(xp[xr + 2 * hidden + u] + Math.fround(Math.fround(r) * hnu)));
          gates![xr + u] = r;
          gates![xr + hidden + u] = z;
          gates![xr + 2 * hidden + u] = n;
          hn![o] = hnu;
          const nf = Math.fround(n);
          out[o] = nf + Math.fround(z) * Math.fround(hPrev - nf);
        } else {
          const a = Math.fround(xp[xr + u] + hp[hr + u]);
          out[o] = mode === 'RNN_TANH' ? Math.tanh(a) : a > 0 || Number.isNaN(a) ? a : 0;
        }
      }
      hStep.set(out.subarray(ob, ob + hidden), b * hidden);
    }
  }
  releaseGradBuffer(hp);
  releaseGradBuffer(hStep);
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
