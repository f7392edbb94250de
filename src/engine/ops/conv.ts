/**
 * Convolution as matrix products (PyTorch's `F.conv1d` / `F.conv2d`, cross-correlation).
 *
 * The forward lowers a whole batch to columns (im2col): for group g, a (C/g · kH · kW) × (N · OH · OW)
 * matrix whose column is one output position's receptive field, so each group is one big product
 * W_g · cols_g on the WebAssembly kernel (and its intra-op threads) instead of N small ones. The
 * columns are the one batch-sized buffer the op keeps for its backward:
 *   dW_g = dY_g · cols_gᵀ,  dcols_g = W_gᵀ · dY_g,  dX = col2im(dcols),
 * with dY laid out as (O, N · OH · OW) like the forward's product. Both column buffers go back to the
 * buffer pool (grad-buffer.ts) when the step's graph is released, so a training loop in steady
 * state reuses them. The sums run in a fixed order: results are bitwise repeatable.
 *
 * A 1-d convolution is the 2-d one over a height of 1.
 */
import { gradBuffer, outputBufferUnfilled, releaseGradBuffer } from '../grad-buffer.js';
import { gemmInto } from '../kernels/gemm.js';
import { shapeToString, Tensor } from '../tensor.js';
import { reluBits } from './activations.js';

/** Stride, padding (before and after, per spatial dim), dilation and groups of a 2-d convolution. */
export interface Conv2dOptions {
  stride: readonly [number, number];
  /** [top, bottom, left, right]: PyTorch's "same" pads one more after than before for even extents. */
  padding: readonly [number, number, number, number];
  dilation: readonly [number, number];
  groups: number;
}

export interface Conv1dOptions {
  stride: number;
  /** [left, right]. */
  padding: readonly [number, number];
  dilation: number;
  groups: number;
}

/** Output extent of one spatial dim, as PyTorch computes it (floor division). */
export function convOutputSize(
  size: number,
  kernel: number,
  stride: number,
  padBefore: number,
  padAfter: number,
  dilation: number,
): number {
  return Math.floor((size + padBefore + padAfter - dilation * (kernel - 1) - 1) / stride) + 1;
}

interface Geometry {
  n: number;
  c: number;
  h: number;
  w: number;
  o: number;
  kh: number;
  kw: number;
  oh: number;
  ow: number;
  sh: number;
  sw: number;
  pt: number;
  pl: number;
  dh: number;
  dw: number;
  groups: number;
}

/** `F.conv1d(x, weight, bias, stride, padding, dilation, groups)` for x (N, C, L), weight (O, C/g, k). */
export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv1dOptions): Tensor {
  if (x.ndim !== 3 || weight.ndim !== 3)
    throw new RangeError(
      `conv1d: expected input (N, C, L) and weight (O, C/groups, k), got ${shapeToString(x.shape)} and ${shapeToString(weight.shape)}`,
    );
  const [n, c, l] = x.shape;
  const [o, , k] = weight.shape;
  const { stride, padding, dilation, groups } = options;
  const ol = convOutputSize(l, k, stride, padding[0], padding[1], dilation);
  const geometry: Geometry = {
    n,
    c,
    h: 1,
    w: l,
    o,
    kh: 1,
    kw: k,
    oh: 1,
    ow: ol,
    sh: 1,
    sw: stride,
    pt: 0,
    pl: padding[0],
    dh: 1,
    dw: dilation,
    groups,
  };
  return convOp(x, weight, bias, geometry, [n, o, ol], false);
}

/** `F.conv2d(x, weight, bias, stride, padding, dilation, groups)` for x (N, C, H, W), weight (O, C/g, kH, kW). */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions): Tensor {
  return conv2dOp(x, weight, bias, options, false);
}

/**
 * `F.relu(F.conv2d(...))` as one op (a Conv2d followed by a ReLU in a Sequential), bitwise the
 * same as the two: ReLU is applied as the output is laid out, and the backward masks the gradient
 * with output > 0 (which is the pre-activation > 0 that `relu` tests; NaN stays NaN) as it lays it
 * out for the products. Saves the ReLU's output and gradient buffers and their passes over memory.
 */
export function conv2dRelu(x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions): Tensor {
  return conv2dOp(x, weight, bias, options, true);
}

function conv2dOp(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  options: Conv2dOptions,
  relu: boolean,
): Tensor {
  if (x.ndim !== 4 || weight.ndim !== 4)
    throw new RangeError(
      `conv2d: expected input (N, C, H, W) and weight (O, C/groups, kH, kW), got ${shapeToString(x.shape)} and ${shapeToString(weight.shape)}`,
    );
  const [n, c, h, w] = x.shape;
  const [o, , kh, kw] = weight.shape;
  const { stride, padding, dilation, groups } = options;
  const oh = convOutputSize(h, kh, stride[0], padding[0], padding[1], dilation[0]);
  const ow = convOutputSize(w, kw, stride[1], padding[2], padding[3], dilation[1]);
  const geometry: Geometry = {
    n,
    c,
    h,
    w,
    o,
    kh,
    kw,
    oh,
    ow,
    sh: stride[0],
    sw: stride[1],
    pt: padding[0],
    pl: padding[2],
    dh: dilation[0],
    dw: dilation[1],
    groups,
  };
  return convOp(x, weight, bias, geometry, [n, o, oh, ow], relu);
}

function convOp(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  g: Geometry,
  outShape: number[],
  relu: boolean,
): Tensor {
  const { n, c, o, kh, kw, oh, ow, groups } = g;
  const cg = c / groups;
  const og = o / groups;
  if (!Number.isInteger(cg) || !Number.isInteger(og) || weight.shape[1] !== cg)
    throw new RangeError(
      `conv: given groups=${groups}, weight of size ${shapeToString(weight.shape)}, expected input ${shapeToString(x.shape)} to have ${weight.shape[1] * groups} channels, but got ${c} channels instead`,
    );
  if (oh < 1 || ow < 1)
    throw new RangeError(
      `conv: kernel size can't be greater than the padded input size (input ${shapeToString(x.shape)}, weight ${shapeToString(weight.shape)})`,
    );
  if (groups === 1) return convOneGroup(x, weight, bias, g, outShape, relu);
  const positions = oh * ow;
  const cols = n * positions; // columns of the lowered matrix
  const rows = cg * kh * kw; // rows per group
  const columns = outputBufferUnfilled(groups * rows * cols); // im2col writes every entry
  im2col(x.data, columns, g);

  // product[o][n·P + p] = Σ W[o] · cols, one product per group, then laid out as (N, O, P) + bias.
  const product = outputBufferUnfilled(o * cols); // for one sample, already the output's layout
  for (let gi = 0; gi < groups; gi++) {
    gemmInto(
      weight.data.subarray(gi * og * rows, (gi + 1) * og * rows),
      columns.subarray(gi * rows * cols, (gi + 1) * rows * cols),
      product.subarray(gi * og * cols, (gi + 1) * og * cols),
      og,
      rows,
      cols,
    );
  }
  const out = n === 1 ? product : outputBufferUnfilled(n * o * positions);
  const out32 = relu ? new Int32Array(out.buffer, out.byteOffset, out.length) : null;
  const b = bias?.data ?? null;
  for (let s = 0; s < n; s++) {
    for (let oc = 0; oc < o; oc++) {
      const src = oc * cols + s * positions;
      const dst = (s * o + oc) * positions;
      const add = b === null ? 0 : b[oc];
      if (out32 === null) for (let p = 0; p < positions; p++) out[dst + p] = product[src + p] + add;
      else
        for (let p = 0; p < positions; p++) {
          out[dst + p] = product[src + p] + add; // rounded to float32 by the store
          out32[dst + p] = reluBits(out32[dst + p]);
        }
    }
  }
  if (n !== 1) releaseGradBuffer(product);

  const parents = bias === null ? [x, weight] : [x, weight, bias];
  return Tensor.fromOp(
    out,
    outShape,
    parents,
    (gOut) => {
      // dY as (O, N·P), the forward product's layout (masked by output > 0 after a fused ReLU).
      const gy = n === 1 && !relu ? gOut : outputBufferUnfilled(o * cols);
      if (gy !== gOut) {
        for (let s = 0; s < n; s++) {
          for (let oc = 0; oc < o; oc++) {
            const src = (s * o + oc) * positions;
            const dst = oc * cols + s * positions;
            if (relu) for (let p = 0; p < positions; p++) gy[dst + p] = gOut[src + p] * +(out[src + p] > 0);
            else for (let p = 0; p < positions; p++) gy[dst + p] = gOut[src + p];
          }
        }
      }
      let gb: Float32Array | null = null;
      if (bias?.requiresGrad) {
        gb = gradBuffer(o);
        for (let oc = 0; oc < o; oc++) {
          let sum = 0; // float64, rounded once
          const row = oc * cols;
          for (let j = 0; j < cols; j++) sum += gy[row + j];
          gb[oc] = sum;
        }
      }
      let gw: Float32Array | null = null;
      if (weight.requiresGrad) {
        gw = gradBuffer(o * rows);
        for (let gi = 0; gi < groups; gi++) {
          gemmInto(
            gy.subarray(gi * og * cols, (gi + 1) * og * cols),
            columns.subarray(gi * rows * cols, (gi + 1) * rows * cols),
            gw.subarray(gi * og * rows, (gi + 1) * og * rows),
            og,
            cols,
            rows,
            { transB: true }, // dW_g = dY_g · cols_gᵀ
          );
        }
      }
      let gx: Float32Array | null = null;
      if (x.requiresGrad) {
        const dcols = outputBufferUnfilled(groups * rows * cols); // the products overwrite it
        for (let gi = 0; gi < groups; gi++) {
          gemmInto(
            weight.data.subarray(gi * og * rows, (gi + 1) * og * rows),
            gy.subarray(gi * og * cols, (gi + 1) * og * cols),
            dcols.subarray(gi * rows * cols, (gi + 1) * rows * cols),
            rows,
            og,
            cols,
            { transA: true }, // dcols_g = W_gᵀ · dY_g
          );
        }
        gx = gradBuffer(x.size);
        col2im(dcols, gx, g);
        releaseGradBuffer(dcols);
      }
      if (gy !== gOut) releaseGradBuffer(gy);
      return [gx, gw, gb];
    },
    [columns],
  );
}

/**
 * One group (the common case), with the same results as the per-group path, without its layout
 * passes: the products read and write dY and Y in their (N, O, P) layout directly (column-blocked
 * operands, gemm-pack.ts), and the bias rides in the product as a last column of W against a row
 * of ones under the columns: fma(b, 1, Σ) rounds Σ + b once, as adding it afterwards does (a
 * missing bias is a column of zeros: + 0 as before, which turns a -0 into +0). A fused ReLU is the
 * kernel's (the same bits as `relu`).
 */
function convOneGroup(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  g: Geometry,
  outShape: number[],
  relu: boolean,
): Tensor {
  const { n, o } = g;
  const positions = g.oh * g.ow;
  const cols = n * positions;
  const rows = g.c * g.kh * g.kw;
  const columns = outputBufferUnfilled((rows + 1) * cols);
  im2col(x.data, columns, g);
  columns.fill(1, rows * cols); // the bias row
  const wb = outputBufferUnfilled(o * (rows + 1)); // [W | b]
  const wd = weight.data;
  const b = bias?.data ?? null;
  for (let oc = 0; oc < o; oc++) {
    const at = oc * (rows + 1);
    for (let r = 0; r < rows; r++) wb[at + r] = wd[oc * rows + r];
    wb[at + rows] = b === null ? 0 : b[oc];
  }
  const out = outputBufferUnfilled(n * o * positions);
  gemmInto(wb, columns, out, o, rows + 1, cols, { relu, blocked: { out: n } });
  releaseGradBuffer(wb);

  const parents = bias === null ? [x, weight] : [x, weight, bias];
  return Tensor.fromOp(
    out,
    outShape,
    parents,
    (gOut) => {
      // dY in its (N, O, P) layout, masked by output > 0 after a fused ReLU.
      const gy = relu ? outputBufferUnfilled(gOut.length) : gOut;
      const gb = bias?.requiresGrad ? gradBuffer(o) : null;
      if (relu || gb !== null) {
        // One pass: the mask, and the bias gradient (float64 sums rounded once, the columns in
        // (O, N·P)'s order).
        for (let oc = 0; oc < o; oc++) {
          let sum = 0;
          for (let s = 0; s < n; s++) {
            const at = (s * o + oc) * positions;
            if (relu)
              for (let p = at; p < at + positions; p++) {
                const v = gOut[p] * +(out[p] > 0);
                gy[p] = v;
                sum += v;
              }
            else for (let p = at; p < at + positions; p++) sum += gy[p];
          }
          if (gb !== null) gb[oc] = sum;
        }
      }
      let gw: Float32Array | null = null;
      if (weight.requiresGrad) {
        gw = gradBuffer(o * rows);
        // dW = dY · colsᵀ over the columns' first `rows` rows (not the bias row).
        gemmInto(gy, columns.subarray(0, rows * cols), gw, o, cols, rows, {
          transB: true,
          blocked: { a: n },
        });
      }
      let gx: Float32Array | null = null;
      if (x.requiresGrad) {
        const dcols = outputBufferUnfilled(rows * cols); // the product overwrites it
        gemmInto(wd, gy, dcols, rows, o, cols, { transA: true, blocked: { b: n } }); // Wᵀ · dY
        gx = gradBuffer(x.size);
        col2im(dcols, gx, g);
        releaseGradBuffer(dcols);
      }
      if (gy !== gOut) releaseGradBuffer(gy);
      return [gx, gw, gb];
    },
    [columns],
  );
}

/**
 * The output positions [lo, hi) whose tap at kernel offset `offset` falls inside [0, size):
 * position q reads input q·stride - pad + offset.
 */
function validRange(
  size: number,
  out: number,
  stride: number,
  pad: number,
  offset: number,
): [number, number] {
  const shift = offset - pad;
  const lo = shift >= 0 ? 0 : Math.ceil(-shift / stride);
  const hi = Math.min(out, Math.ceil((size - shift) / stride));
  return [Math.min(lo, out), Math.max(hi, 0)];
}

/**
 * Writes every entry of `cols`: the in-bounds taps, and zeros for the padding (the buffer comes
 * unfilled). Plain loops: rows are a few dozen values, where a subarray per row costs more than
 * the copy.
 */
function im2col(x: Float32Array, cols: Float32Array, g: Geometry): void {
  const { n, c, h, w, kh, kw, oh, ow, sh, sw, pt, pl, dh, dw } = g;
  const positions = oh * ow;
  const width = n * positions;
  for (let ch = 0; ch < c; ch++) {
    for (let i = 0; i < kh; i++) {
      const [ohLo, ohHi] = validRange(h, oh, sh, pt, i * dh);
      for (let j = 0; j < kw; j++) {
        const [owLo, owHi] = validRange(w, ow, sw, pl, j * dw);
        const row = (ch * kh + i) * kw + j; // groups are consecutive channels: row order is the group's
        const rowBase = row * width;
        if (sh === 1 && sw === 1 && ow === w && ohLo < ohHi && owLo < owHi) {
          spanIm2col(x, cols, g, rowBase, (ch * h + i * dh - pt) * w + j * dw - pl, ohLo, ohHi, owLo, owHi);
          continue;
        }
        for (let s = 0; s < n; s++) {
          const plane = (s * c + ch) * h * w;
          const sampleBase = rowBase + s * positions;
          if (ohLo >= ohHi || owLo >= owHi) {
            cols.fill(0, sampleBase, sampleBase + positions);
            continue;
          }
          for (let y = 0; y < ohLo; y++) for (let q = 0; q < ow; q++) cols[sampleBase + y * ow + q] = 0;
          for (let y = ohLo; y < ohHi; y++) {
            const src = plane + (y * sh - pt + i * dh) * w - pl + j * dw;
            const dst = sampleBase + y * ow;
            for (let q = 0; q < owLo; q++) cols[dst + q] = 0;
            if (sw === 1) for (let q = owLo; q < owHi; q++) cols[dst + q] = x[src + q];
            else for (let q = owLo; q < owHi; q++) cols[dst + q] = x[src + q * sw];
            for (let q = owHi; q < ow; q++) cols[dst + q] = 0;
          }
          for (let y = ohHi; y < oh; y++) for (let q = 0; q < ow; q++) cols[sampleBase + y * ow + q] = 0;
        }
      }
    }
  }
}

/** The adjoint of im2col: adds each column entry back to the input position it was read from. */
function col2im(cols: Float32Array, gx: Float32Array, g: Geometry): void {
  const { n, c, h, w, kh, kw, oh, ow, sh, sw, pt, pl, dh, dw } = g;
  if (sh === 1 && sw === 1 && ow === w) {
    spanCol2im(cols, gx, g);
    return;
  }
  const positions = oh * ow;
  const width = n * positions;
  for (let ch = 0; ch < c; ch++) {
    for (let i = 0; i < kh; i++) {
      const [ohLo, ohHi] = validRange(h, oh, sh, pt, i * dh);
      for (let j = 0; j < kw; j++) {
        const [owLo, owHi] = validRange(w, ow, sw, pl, j * dw);
        const rowBase = ((ch * kh + i) * kw + j) * width;
        for (let s = 0; s < n; s++) {
          const plane = (s * c + ch) * h * w;
          for (let y = ohLo; y < ohHi; y++) {
            const dst = plane + (y * sh - pt + i * dh) * w - pl + j * dw;
            const src = rowBase + s * positions + y * ow;
            if (sw === 1) for (let q = owLo; q < owHi; q++) gx[dst + q] += cols[src + q];
            else for (let q = owLo; q < owHi; q++) gx[dst + q * sw] += cols[src + q];
          }
        }
      }
    }
  }
}

/**
 * im2col's row for one tap when output rows are input rows (stride 1, output width = input width):
 * output position d = y·w + q reads input d + shift, so each sample's taps are one run, copied
 * natively; then the entries that are padding (rows outside [ohLo, ohHi), and in each row the
 * columns outside [owLo, owHi), which the run filled with the neighbouring row's values) are set to 0.
 */
function spanIm2col(
  x: Float32Array,
  cols: Float32Array,
  g: Geometry,
  rowBase: number,
  shift: number,
  ohLo: number,
  ohHi: number,
  owLo: number,
  owHi: number,
): void {
  const { n, c, h, w } = g;
  const positions = g.oh * w;
  const first = ohLo * w + owLo;
  const last = (ohHi - 1) * w + owHi; // one past
  for (let s = 0; s < n; s++) {
    const base = rowBase + s * positions;
    const from = s * c * h * w + shift;
    cols.set(x.subarray(from + first, from + last), base + first);
    cols.fill(0, base, base + first);
    cols.fill(0, base + last, base + positions);
    for (let y = ohLo; y < ohHi - 1; y++) {
      const gap = base + y * w;
      for (let q = owHi; q < w + owLo; q++) cols[gap + q] = 0; // this row's right pad, the next's left
    }
  }
}

/**
 * col2im in spanIm2col's geometry: for each input plane, its taps' runs one after another (the plane
 * stays in cache while they add into it), each run one loop. The padding entries inside a run are
 * first set to -0 in the (scratch) columns, and x + -0 is x: each input gets the same additions in
 * the same order (taps ascending) as the row-by-row loop.
 */
function spanCol2im(cols: Float32Array, gx: Float32Array, g: Geometry): void {
  const { n, c, h, w, kh, kw, oh, pt, pl, dh, dw } = g;
  const positions = oh * w;
  const width = n * positions;
  for (let ch = 0; ch < c; ch++) {
    for (let s = 0; s < n; s++) {
      const plane = (s * c + ch) * h * w;
      for (let i = 0; i < kh; i++) {
        const [ohLo, ohHi] = validRange(h, oh, 1, pt, i * dh);
        if (ohLo >= ohHi) continue;
        for (let j = 0; j < kw; j++) {
          const [owLo, owHi] = validRange(w, w, 1, pl, j * dw);
          if (owLo >= owHi) continue;
          const base = ((ch * kh + i) * kw + j) * width + s * positions;
          for (let y = ohLo; y < ohHi - 1; y++) {
            const gap = base + y * w;
            for (let q = owHi; q < w + owLo; q++) cols[gap + q] = -0;
          }
          const to = plane + (i * dh - pt) * w + j * dw - pl - base;
          const last = base + (ohHi - 1) * w + owHi;
          for (let d = base + ohLo * w + owLo; d < last; d++) gx[d + to] += cols[d];
        }
      }
    }
  }
}
