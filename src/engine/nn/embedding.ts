/**
 * `nn.Embedding(num_embeddings, embedding_dim, padding_idx)`: a lookup table. Token ids arrive as
 * the values of a float tensor (JSON has only numbers) and must be integers in [0, num_embeddings).
 * The weight is initialised N(0, 1) with the padding_idx row zeroed, and that row gets no gradient,
 * as in PyTorch.
 */
import { gradBuffer, outputBuffer } from '../grad-buffer.js';
import { defaultGenerator, type Generator } from '../random.js';
import { Tensor } from '../tensor.js';
import { type ForwardContext, Module } from './module.js';

export class Embedding extends Module {
  readonly weight: Tensor;
  /** padding_idx made non-negative (PyTorch accepts -num_embeddings … num_embeddings - 1), or null. */
  readonly paddingIdx: number | null;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    {
      paddingIdx = null,
      generator = defaultGenerator,
    }: { paddingIdx?: number | null; generator?: Generator } = {},
  ) {
    super();
    if (paddingIdx !== null && (paddingIdx >= numEmbeddings || paddingIdx < -numEmbeddings))
      throw new RangeError('Padding_idx must be within num_embeddings');
    this.paddingIdx = paddingIdx === null ? null : paddingIdx < 0 ? numEmbeddings + paddingIdx : paddingIdx;
    const data = new Float32Array(numEmbeddings * embeddingDim);
    for (let i = 0; i < data.length; i++) data[i] = generator.normal();
    if (this.paddingIdx !== null)
      data.fill(0, this.paddingIdx * embeddingDim, (this.paddingIdx + 1) * embeddingDim);
    this.weight = this.registerParameter('weight', new Tensor(data, [numEmbeddings, embeddingDim]))!;
  }

  /** With padding_idx, records the ids in `context` for a later key padding mask. */
  forward(input: Tensor, context?: ForwardContext): Tensor {
    if (context !== undefined && this.paddingIdx !== null)
      context.padding = { ids: input, paddingIdx: this.paddingIdx };
    const dim = this.embeddingDim;
    const ids = input.data;
    const w = this.weight.data;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.numEmbeddings)
        throw new RangeError(`Embedding: index ${id} is out of range [0, ${this.numEmbeddings})`);
    }
    const out = outputBuffer(ids.length * dim);
    for (let i = 0; i < ids.length; i++) out.set(w.subarray(ids[i] * dim, (ids[i] + 1) * dim), i * dim);
    const padding = this.paddingIdx;
    const weight = this.weight;
    return Tensor.fromOp(out, [...input.shape, dim], [weight], (g) => {
      const gw = gradBuffer(weight.size);
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i];
        if (id === padding) continue;
        const base = id * dim;
        for (let j = 0; j < dim; j++) gw[base + j] += g[i * dim + j];
      }
      return [gw];
    });
  }
}
