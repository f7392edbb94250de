/**
 * Pooling over (N, C, H, W), PyTorch-exact (`F.max_pool2d`, `F.avg_pool2d`, `F.adaptive_avg_pool2d`,
 * `F.adaptive_max_pool2d`). The 1-d pools are the 2-d ones over a height of 1, as PyTorch's are.
 *
 * Max pooling treats padding as -inf and keeps the first maximum of a window (a NaN wins), so its
 * backward routes each output's gradient to exactly the input PyTorch's would. The argmax (one
 * flat input index per output value) is the only thing any pool saves, in a `savedBuffer64` that
 * goes back to the buffer pool when the step's graph is released; average pools save nothing.
 * Outputs come from `outputBuffer` and sums run in float64 in a fixed order.
 */
import { gradBuffer, outputBuffer, savedBuffer64 } from '../grad-buffer.js';
import { shapeToString, Tensor } from '../tensor.js';

/**
 * Output extent of one dim, PyTorch's `pooling_output_shape`: with ceil_mode the last window may
 * run past the input, but it must start inside the input or the left padding.
 */
export function poolOutputSize(
  size: number,
  kernel: number,
  stride: number,
  pad: number,
  dilation: number,
  ceilMode: boolean,
): number {
  const span = size + 2 * pad - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0);
  let out = Math.floor(span / stride) + 1;
  if (ceilMode && (out - 1) * stride >= size + pad) out--;
  return out;
}

/** Kernel, stride, padding and dilation per spatial dim ([h, w]). */
export interface Pool2dOptions {
  kernel: readonly [number, number];
  stride: readonly [number, number];
  padding: readonly [number, number];
  dilation: readonly [number, number];
  ceilMode: boolean;
}

export interface AvgPool2dOptions extends Omit<Pool2dOptions, 'dilation'> {
  countIncludePad: boolean;
  divisorOverride: number | null;
}

interface Dims {
  planes: number;
  h: number;
  w: number;
  oh: number;
  ow: number;
}

function dims4(x: Tensor, op: string): [number, number, number, number] {
  if (x.ndim !== 4) throw new RangeError(`${op}: expected input (N, C, H, W), got ${shapeToString(x.shape)}`);
  return [x.shape[0], x.shape[1], x.shape[2], x.shape[3]];
}

function checkOutput(op: string, x: Tensor, oh: number, ow: number): void {
  if (oh < 1 || ow < 1)
    throw new RangeError(
      `${op}: given input size ${shapeToString(x.shape)}, calculated output size (${oh}x${ow}) is too small`,
    );
}

function checkPadding(op: string, kernel: readonly number[], padding: readonly number[]): void {
  for (let d = 0; d < kernel.length; d++)
    if (padding[d] > kernel[d] / 2)
      throw new RangeError(
        `${op}: pad should be at most half of kernel size, but got pad=${padding[d]} and kernel_size=${kernel[d]}`,
      );
}

/** `F.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode)`. */
export function maxPool2d(x: Tensor, o: Pool2dOptions): Tensor {
  const [n, c, h, w] = dims4(x, 'max_pool2d');
  checkPadding('max_pool2d', o.kernel, o.padding);
  const [kh, kw] = o.kernel;
  const [sh, sw] = o.stride;
  const [ph, pw] = o.padding;
  const [dh, dw] = o.dilation;
  const oh = poolOutputSize(h, kh, sh, ph, dh, o.ceilMode);
  const ow = poolOutputSize(w, kw, sw, pw, dw, o.ceilMode);
  checkOutput('max_pool2d', x, oh, ow);
  const d: Dims = { planes: n * c, h, w, oh, ow };
  const out = outputBuffer(n * c * oh * ow);
  const argmax = savedBuffer64(out.length);
  const xs = x.data;
  const pairs = kh === 2 && kw === 2 && sh === 2 && sw === 2 && ph === 0 && pw === 0;
  if (pairs && dh === 1 && dw === 1 && 2 * oh <= h && 2 * ow <= w) {
    maxPool2x2(xs, out, argmax, d);
    return routeToArgmax(x, out, argmax, [n, c, oh, ow]);
  }
  for (let p = 0; p < d.planes; p++) {
    const plane = p * h * w;
    for (let y = 0; y < oh; y++) {
      let h0 = y * sh - ph;
      const h1 = Math.min(h0 + (kh - 1) * dh + 1, h);
      while (h0 < 0) h0 += dh;
      for (let q = 0; q < ow; q++) {
        let w0 = q * sw - pw;
        const w1 = Math.min(w0 + (kw - 1) * dw + 1, w);
        while (w0 < 0) w0 += dw;
        let best = -Infinity;
        let at = h0 * w + w0;
        for (let i = h0; i < h1; i += dh) {
          const row = plane + i * w;
          for (let j = w0; j < w1; j += dw) {
            const v = xs[row + j];
            if (v > best || Number.isNaN(v)) {
              best = v;
              at = i * w + j;
            }
          }
        }
        const k = (p * oh + y) * ow + q;
        out[k] = best;
        argmax[k] = plane + at;
      }
    }
  }
  return routeToArgmax(x, out, argmax, [n, c, oh, ow]);
}

/**
 * `MaxPool2d(2)`'s windows (2×2, stride 2, no padding, all inside the input), with the general
 * loop's results: the first maximum of (0,0), (0,1), (1,0), (1,1), or the last NaN. Without
 * branches on the data (on which they mispredict about half the time): a pairwise tournament of
 * 0/1 comparisons picks the window offset, and the value is loaded from there (a -0 stays -0). A
 * window holding a NaN or an infinity (where the sum is not finite) takes the general loop.
 */
function maxPool2x2(xs: Float32Array, out: Float32Array, argmax: Float64Array, d: Dims): void {
  const { planes, h, w, oh, ow } = d;
  for (let p = 0; p < planes; p++) {
    const plane = p * h * w;
    for (let y = 0; y < oh; y++) {
      const top = plane + 2 * y * w;
      const k0 = (p * oh + y) * ow;
      for (let q = 0; q < ow; q++) {
        const i00 = top + 2 * q;
        const a = xs[i00];
        const b = xs[i00 + 1];
        const c = xs[i00 + w];
        const e = xs[i00 + w + 1];
        const sum = a + b + c + e;
        let at: number;
        if (sum - sum === 0) {
          const upper = +(b > a); // 0: (0,0), 1: (0,1)
          const lower = +(e > c);
          const first = upper * b + (1 - upper) * a; // exactly a or b (finite), up to the sign of 0
          const second = lower * e + (1 - lower) * c;
          const right = +(second > first);
          at = i00 + upper + right * (w + lower - upper);
        } else {
          at = i00;
          let best = a;
          for (const j of [i00 + 1, i00 + w, i00 + w + 1]) {
            const v = xs[j];
            if (v > best || Number.isNaN(v)) {
              best = v;
              at = j;
            }
          }
        }
        out[k0 + q] = xs[at];
        argmax[k0 + q] = at;
      }
    }
  }
}

/** The output tensor of a max pool: its backward adds each gradient to the input at its argmax. */
function routeToArgmax(x: Tensor, out: Float32Array, argmax: Float64Array, shape: number[]): Tensor {
  return Tensor.fromOp(
    out,
    shape,
    [x],
    (g) => {
      const gx = gradBuffer(x.size);
      for (let k = 0; k < g.length; k++) gx[argmax[k]] += g[k];
      return [gx];
    },
    [argmax],
  );
}

/** `F.avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)`. */
export function avgPool2d(x: Tensor, o: AvgPool2dOptions): Tensor {
  const [n, c, h, w] = dims4(x, 'avg_pool2d');
  checkPadding('avg_pool2d', o.kernel, o.padding);
  if (o.divisorOverride === 0) throw new RangeError('avg_pool2d: divisor must be not zero');
  const [kh, kw] = o.kernel;
  const [sh, sw] = o.stride;
  const [ph, pw] = o.padding;
  const oh = poolOutputSize(h, kh, sh, ph, 1, o.ceilMode);
  const ow = poolOutputSize(w, kw, sw, pw, 1, o.ceilMode);
  checkOutput('avg_pool2d', x, oh, ow);
  const planes = n * c;
  // One window per output position, the same in every plane: [h0, h1, w0, w1, divisor].
  const windows = new Float64Array(oh * ow * 5);
  for (let y = 0; y < oh; y++) {
    for (let q = 0; q < ow; q++) {
      let h0 = y * sh - ph;
      let w0 = q * sw - pw;
      let h1 = Math.min(h0 + kh, h + ph);
      let w1 = Math.min(w0 + kw, w + pw);
      const padded = (h1 - h0) * (w1 - w0);
      h0 = Math.max(h0, 0);
      w0 = Math.max(w0, 0);
      h1 = Math.min(h1, h);
      w1 = Math.min(w1, w);
      const divisor = o.divisorOverride ?? (o.countIncludePad ? padded : (h1 - h0) * (w1 - w0));
      const at = (y * ow + q) * 5;
      windows[at] = h0;
      windows[at + 1] = h1;
      windows[at + 2] = w0;
      windows[at + 3] = w1;
      windows[at + 4] = h0 < h1 && w0 < w1 ? divisor : Infinity; // an empty window gives 0
    }
  }
  return windowedMean(x, windows, planes, h, w, [n, c, oh, ow]);
}

/** Each output is its window's sum (float64) divided by the window's divisor, as PyTorch's. */
function windowedMean(
  x: Tensor,
  windows: Float64Array,
  planes: number,
  h: number,
  w: number,
  shape: number[],
): Tensor {
  const positions = windows.length / 5;
  const out = outputBuffer(planes * positions);
  const xs = x.data;
  for (let p = 0; p < planes; p++) {
    const plane = p * h * w;
    for (let k = 0; k < positions; k++) {
      const at = k * 5;
      const h0 = windows[at];
      const h1 = windows[at + 1];
      const w0 = windows[at + 2];
      const w1 = windows[at + 3];
      let sum = 0;
      for (let i = h0; i < h1; i++) {
        const row = plane + i * w;
        for (let j = w0; j < w1; j++) sum += xs[row + j];
      }
      out[p * positions + k] = sum / windows[at + 4];
    }
  }
  return Tensor.fromOp(out, shape, [x], (g) => {
    const gx = gradBuffer(x.size);
    for (let p = 0; p < planes; p++) {
      const plane = p * h * w;
      for (let k = 0; k < positions; k++) {
        const at = k * 5;
        const share = g[p * positions + k] / windows[at + 4];
        if (share === 0) continue;
        const h1 = windows[at + 1];
        const w0 = windows[at + 2];
        const w1 = windows[at + 3];
        for (let i = windows[at]; i < h1; i++) {
          const row = plane + i * w;
          for (let j = w0; j < w1; j++) gx[row + j] += share;
        }
      }
    }
    return [gx];
  });
}

/** PyTorch's adaptive window of output `o` of `out` over `size`: [floor(o·size/out), ceil((o+1)·size/out)). */
function adaptiveRange(o: number, out: number, size: number): [number, number] {
  return [Math.floor((o * size) / out), Math.ceil(((o + 1) * size) / out)];
}

/** `F.adaptive_avg_pool2d(x, [oh, ow])`. */
export function adaptiveAvgPool2d(x: Tensor, oh: number, ow: number): Tensor {
  const [n, c, h, w] = dims4(x, 'adaptive_avg_pool2d');
  checkOutput('adaptive_avg_pool2d', x, oh, ow);
  const windows = new Float64Array(oh * ow * 5);
  for (let y = 0; y < oh; y++) {
    const [h0, h1] = adaptiveRange(y, oh, h);
    for (let q = 0; q < ow; q++) {
      const [w0, w1] = adaptiveRange(q, ow, w);
      windows.set([h0, h1, w0, w1, (h1 - h0) * (w1 - w0)], (y * ow + q) * 5);
    }
  }
  return windowedMean(x, windows, n * c, h, w, [n, c, oh, ow]);
}

/** `F.adaptive_max_pool2d(x, [oh, ow])`: first maximum of each adaptive window (a NaN wins). */
export function adaptiveMaxPool2d(x: Tensor, oh: number, ow: number): Tensor {
  const [n, c, h, w] = dims4(x, 'adaptive_max_pool2d');
  checkOutput('adaptive_max_pool2d', x, oh, ow);
  const planes = n * c;
  const out = outputBuffer(planes * oh * ow);
  const argmax = savedBuffer64(out.length);
  const xs = x.data;
  for (let p = 0; p < planes; p++) {
    const plane = p * h * w;
    for (let y = 0; y < oh; y++) {
      const [h0, h1] = adaptiveRange(y, oh, h);
      for (let q = 0; q < ow; q++) {
        const [w0, w1] = adaptiveRange(q, ow, w);
        let best = -Infinity;
        let at = h0 * w + w0;
        for (let i = h0; i < h1; i++) {
          const row = plane + i * w;
          for (let j = w0; j < w1; j++) {
            const v = xs[row + j];
            if (v > best || Number.isNaN(v)) {
              best = v;
              at = i * w + j;
            }
          }
        }
        const k = (p * oh + y) * ow + q;
        out[k] = best;
        argmax[k] = plane + at;
      }
    }
  }
  return routeToArgmax(x, out, argmax, [n, c, oh, ow]);
}
