/**
 * One LSTM step's pointwise part over a batch (lstm-cell-module.ts has the arithmetic): the
 * WebAssembly SIMD kernel where there is one and the hidden size is a multiple of 4, else the same
 * float32 operations one value at a time (gate-math.ts), which give bitwise the same values.
 *
 * The step's buffers are views into the kernel's memory (plain arrays on the scalar path): the
 * caller writes `xp` and `hp`, calls `run()`, and reads `gates`, `cells`, `tanhCells` and `h`. The
 * previous cells are kept inside (zero before the first step), so consecutive steps need no copy.
 * The views stay valid until the next LstmCell is made on this thread.
 */
import { sigmoid32, tanh32 } from './gate-math.js';
import { lstmCellModuleBytes } from './lstm-cell-module.js';
import { simdDisabled } from './simd-toggle.js';
import { instantiateKernels, type KernelInstance } from './wasm-api.js';

const PAGE = 65536;
/** 256 MiB: a batch needing more takes the scalar path. */
const MAX_PAGES = 4096;

type CellKernel = (
  xp: number,
  hp: number,
  cp: number,
  gp: number,
  cOut: number,
  tcOut: number,
  hOut: number,
  hBytes: number,
  rows: number,
) => void;

let instance: KernelInstance | null | undefined;

function kernelInstance(): KernelInstance | null {
  if (simdDisabled()) return null;
  if (instance === undefined)
    instance = instantiateKernels(lstmCellModuleBytes(MAX_PAGES), 1, MAX_PAGES, { shared: false });
  return instance;
}

export class LstmCell {
  /** This step's input projections, batch × 4H (gate blocks i, f, g, o). */
  readonly xp: Float32Array;
  /** This step's hidden projections, batch × 4H. */
  readonly hp: Float32Array;
  /** The activated gates of the last step, batch × 4H. */
  readonly gates: Float32Array;
  /** h of the last step, batch × H. */
  readonly h: Float32Array;
  /** tanh of the last step's cells, batch × H. */
  readonly tanhCells: Float32Array;
  /** Two batch × H cell buffers: [the next step's output, the last step's cells (zero at first)]. */
  private cellBuffers: [Float32Array, Float32Array];
  /** Their byte offsets in the kernel's memory, in the same order. */
  private cellOffsets: [number, number] = [0, 0];
  private readonly kernel: CellKernel | null;
  /** Byte offsets of xp, hp, gates, h and tanhCells in the kernel's memory. */
  private readonly offsets: number[] = [];

  constructor(
    private readonly batch: number,
    private readonly hidden: number,
  ) {
    const gh = 4 * hidden;
    const sizes = [
      batch * gh,
      batch * gh,
      batch * gh,
      batch * hidden,
      batch * hidden,
      batch * hidden,
      batch * hidden,
    ];
    const floats = sizes.reduce((a, b) => a + b, 0);
    const wasm = hidden % 4 === 0 && floats * 4 <= MAX_PAGES * PAGE ? kernelInstance() : null;
    let views: Float32Array[];
    if (wasm === null) {
      this.kernel = null;
      views = sizes.map((n) => new Float32Array(n));
    } else {
      const pages = Math.ceil((floats * 4) / PAGE) - wasm.memory.buffer.byteLength / PAGE;
      if (pages > 0) wasm.memory.grow(pages);
      this.kernel = wasm.exports.lstmCell as CellKernel;
      let at = 0;
      views = sizes.map((n) => {
        this.offsets.push(at * 4);
        const view = new Float32Array(wasm.memory.buffer, at * 4, n);
        at += n;
        return view;
      });
      views[5].fill(0);
    }
    [this.xp, this.hp, this.gates, this.h, this.tanhCells] = views;
    this.cellBuffers = [views[6], views[5]];
    if (this.offsets.length > 0) this.cellOffsets = [this.offsets[6], this.offsets[5]];
  }

  /** Whether steps run on the SIMD kernel. */
  get simd(): boolean {
    return this.kernel !== null;
  }

  /** The last step's cells, batch × H. */
  get cells(): Float32Array {
    return this.cellBuffers[1];
  }

  /** One step from xp, hp and the previous cells (zero before the first step). */
  run(): void {
    const [next, prev] = this.cellBuffers;
    if (this.kernel === null) this.runScalar(prev, next);
    else {
      const [xp, hp, gp, hOut, tcOut] = this.offsets;
      const [cOut, cp] = this.cellOffsets;
      this.kernel(xp, hp, cp, gp, cOut, tcOut, hOut, this.hidden * 4, this.batch);
      this.cellOffsets = [cp, cOut];
    }
    this.cellBuffers = [prev, next];
  }

  private runScalar(cPrev: Float32Array, cOut: Float32Array): void {
    const f = Math.fround;
    const H = this.hidden;
    const { xp, hp, gates, h, tanhCells } = this;
    for (let b = 0; b < this.batch; b++) {
      const gr = b * 4 * H;
      for (let u = 0; u < H; u++) {
        const j = gr + u;
        const ig = sigmoid32(f(xp[j] + hp[j]));
        const fg = sigmoid32(f(xp[j + H] + hp[j + H]));
        const gg = tanh32(f(xp[j + 2 * H] + hp[j + 2 * H]));
        const og = sigmoid32(f(xp[j + 3 * H] + hp[j + 3 * H]));
        gates[j] = ig;
        gates[j + H] = fg;
        gates[j + 2 * H] = gg;
        gates[j + 3 * H] = og;
        const o = b * H + u;
        const c = f(f(fg * cPrev[o]) + f(ig * gg));
        cOut[o] = c;
        const tc = tanh32(c);
        tanhCells[o] = tc;
        h[o] = f(og * tc);
      }
    }
  }
}
