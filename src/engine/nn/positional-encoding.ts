/**
 * `PositionalEncoding(d_model, dropout=0.1, max_len=5000, batch_first=False)`: the sinusoidal
 * encoding of PyTorch's Transformer tutorial (PyTorch has no class for it), added to the input and
 * followed by dropout:
 *   pe[pos, 2i] = sin(pos · exp(2i · −ln(10000) / d_model)),  pe[pos, 2i+1] = cos(same)
 * computed in float32 as the tutorial's tensors are. The input is (L, N, E), (N, L, E) with
 * batch_first, or (L, E). `pe` is a constant, not saved in the state dict (in PyTorch:
 * `register_buffer("pe", pe, persistent=False)`), so the layer has no state-dict entries.
 */
import { outputBuffer } from '../grad-buffer.js';
import { defaultGenerator, type Generator } from '../random.js';
import { shapeToString, Tensor } from '../tensor.js';
import { Dropout } from './dropout.js';
import { Module } from './module.js';

/** The (max_len, d_model) table, float32 as the tutorial computes it. */
export function sinusoidalTable(maxLen: number, dModel: number): Float32Array {
  const pe = new Float32Array(maxLen * dModel);
  const c = Math.fround(-Math.log(10000) / dModel);
  for (let i = 0; 2 * i < dModel; i++) {
    const div = Math.fround(Math.exp(Math.fround(2 * i * c)));
    for (let pos = 0; pos < maxLen; pos++) {
      const arg = Math.fround(pos * div);
      pe[pos * dModel + 2 * i] = Math.sin(arg);
      if (2 * i + 1 < dModel) pe[pos * dModel + 2 * i + 1] = Math.cos(arg);
    }
  }
  return pe;
}

export class PositionalEncoding extends Module {
  private pe: Float32Array | null = null;
  private readonly dropoutLayer: Dropout;

  constructor(
    readonly dModel: number,
    {
      dropout = 0.1,
      maxLen = 5000,
      batchFirst = false,
      generator = defaultGenerator,
    }: { dropout?: number; maxLen?: number; batchFirst?: boolean; generator?: Generator } = {},
  ) {
    super();
    this.maxLen = maxLen;
    this.batchFirst = batchFirst;
    this.dropoutLayer = new Dropout(dropout, generator);
    this.registerModule('dropout', this.dropoutLayer);
  }

  readonly maxLen: number;
  readonly batchFirst: boolean;

  forward(input: Tensor): Tensor {
    const e = this.dModel;
    const seqDim = input.ndim === 3 && this.batchFirst ? 1 : 0;
    const len = input.shape[seqDim];
    if ((input.ndim !== 2 && input.ndim !== 3) || input.shape[input.ndim - 1] !== e || len > this.maxLen)
      throw new RangeError(
        `PositionalEncoding: expected an input of shape ${this.batchFirst ? '(N, L, E)' : '(L, N, E)'} or (L, E) with E = ${e} and L <= max_len ${this.maxLen}, but got ${shapeToString(input.shape)}`,
      );
    // The table is built lazily up to the longest sequence seen (the tutorial's pe[:L]).
    if (this.pe === null || this.pe.length < len * e)
      this.pe = sinusoidalTable(Math.min(this.maxLen, Math.max(len, 64)), e);
    const pe = this.pe;
    const x = input.data;
    const out = outputBuffer(input.size);
    const outer = input.ndim === 3 && this.batchFirst ? input.shape[0] : 1;
    const inner = input.ndim === 3 && !this.batchFirst ? input.shape[1] : 1;
    for (let o = 0, at = 0; o < outer; o++)
      for (let l = 0; l < len; l++)
        for (let b = 0; b < inner; b++, at += e)
          for (let j = 0; j < e; j++) out[at + j] = x[at + j] + pe[l * e + j];
    const added = Tensor.fromOp(out, input.shape, [input], (g) => [g]);
    return this.dropoutLayer.forward(added);
  }
}
