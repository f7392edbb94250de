/**
 * `nn.MultiheadAttention(embed_dim, num_heads, dropout, bias, batch_first)` as a layer of a stack:
 * self-attention (query = key = value = the input), returning `attn_output` only (PyTorch's
 * `need_weights=False`). State-dict names as PyTorch: `in_proj_weight` (3·E, E), `in_proj_bias`,
 * `out_proj.weight`, `out_proj.bias`. Init as `_reset_parameters`: out_proj is a Linear (its
 * kaiming-uniform weight drawn at construction), then xavier_uniform_ for in_proj_weight, and both
 * biases zero.
 *
 * Masks: `keyPaddingMask: 'padding_idx'` masks the keys whose token id (recorded in the forward
 * context by an earlier Embedding with padding_idx) is the padding id, which is PyTorch's
 * `key_padding_mask=(ids == padding_idx)`; the ids must have the shape (N, L) (or (L) unbatched).
 * `isCausal` masks future keys (`attn_mask=nn.Transformer.generate_square_subsequent_mask(L)`).
 */

import { selfAttention } from '../ops/attention.js';
import { linear } from '../ops/matmul.js';
import { defaultGenerator, type Generator } from '../random.js';
import { shapeToString, Tensor } from '../tensor.js';
import { Linear } from './linear.js';
import { type ForwardContext, Module } from './module.js';

export type KeyPaddingMaskSource = 'padding_idx' | null;

export interface MultiheadAttentionOptions {
  dropout?: number;
  bias?: boolean;
  batchFirst?: boolean;
  keyPaddingMask?: KeyPaddingMaskSource;
  isCausal?: boolean;
  generator?: Generator;
}

export class MultiheadAttention extends Module {
  readonly inProjWeight: Tensor;
  readonly inProjBias: Tensor | null;
  readonly outProj: Linear;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly keyPaddingMask: KeyPaddingMaskSource;
  readonly isCausal: boolean;
  private readonly generator: Generator;

  constructor(
    readonly embedDim: number,
    readonly numHeads: number,
    {
      dropout = 0,
      bias = true,
      batchFirst = false,
      keyPaddingMask = null,
      isCausal = false,
      generator = defaultGenerator,
    }: MultiheadAttentionOptions = {},
  ) {
    super();
    if (embedDim % numHeads !== 0) throw new RangeError('embed_dim must be divisible by num_heads');
    this.dropout = dropout;
    this.batchFirst = batchFirst;
    this.keyPaddingMask = keyPaddingMask;
    this.isCausal = isCausal;
    this.generator = generator;
    // out_proj's Linear init runs in __init__, before _reset_parameters draws in_proj_weight.
    const outProj = new Linear(embedDim, embedDim, { bias, generator });
    const bound = Math.sqrt(6 / (embedDim + 3 * embedDim));
    const w = new Float32Array(3 * embedDim * embedDim);
    for (let i = 0; i < w.length; i++) w[i] = generator.uniform(-bound, bound);
    this.inProjWeight = this.registerParameter('in_proj_weight', new Tensor(w, [3 * embedDim, embedDim]))!;
    this.inProjBias = this.registerParameter(
      'in_proj_bias',
      bias ? new Tensor(new Float32Array(3 * embedDim), [3 * embedDim]) : null,
    );
    outProj.bias?.data.fill(0);
    this.outProj = outProj;
    this.registerModule('out_proj', outProj);
  }

  forward(input: Tensor, context?: ForwardContext): Tensor {
    const mask =
      this.keyPaddingMask === null
        ? null
        : keyPaddingFromContext(input, this.batchFirst, context, 'MultiheadAttention');
    return this.attend(input, mask, this.isCausal);
  }

  /** Self-attention of `input` with the given key padding flags ((N, L) order) and causal mask. */
  attend(input: Tensor, keyPadding: Uint8Array | null, causal: boolean): Tensor {
    const [batch, seq] = sequenceDims(input, this.batchFirst, this.embedDim, 'MultiheadAttention');
    const qkv = linear(input, this.get('in_proj_weight')!, this.get('in_proj_bias'));
    const heads = selfAttention(qkv, {
      batch,
      seq,
      heads: this.numHeads,
      batchFirst: this.batchFirst || input.ndim === 2,
      keyPadding,
      causal,
      dropout: this.training ? this.dropout : 0,
      generator: this.generator,
    });
    return this.outProj.forward(heads);
  }
}

/** (N, L) of an (L, N, E) / batch_first (N, L, E) / unbatched (L, E) input, checking E. */
export function sequenceDims(
  input: Tensor,
  batchFirst: boolean,
  embedDim: number,
  layer: string,
): [number, number] {
  const e = input.shape[input.ndim - 1];
  if ((input.ndim !== 2 && input.ndim !== 3) || e !== embedDim)
    throw new RangeError(
      `${layer}: expected an input of shape ${batchFirst ? '(N, L, E)' : '(L, N, E)'} or (L, E) with E = ${embedDim}, but got ${shapeToString(input.shape)}`,
    );
  if (input.ndim === 2) return [1, input.shape[0]];
  return batchFirst ? [input.shape[0], input.shape[1]] : [input.shape[1], input.shape[0]];
}

/**
 * The key padding flags `ids == padding_idx` from the ids an Embedding recorded in the context;
 * they must have PyTorch's key_padding_mask shape (N, L), or (L) for an unbatched input.
 */
export function keyPaddingFromContext(
  input: Tensor,
  batchFirst: boolean,
  context: ForwardContext | undefined,
  layer: string,
): Uint8Array {
  const padding = context?.padding;
  if (padding === undefined)
    throw new RangeError(
      `${layer}: ${layer === 'MultiheadAttention' ? 'key_padding_mask' : 'src_key_padding_mask'} "padding_idx" needs an Embedding with padding_idx earlier in the model`,
    );
  const [batch, seq] = sequenceDims(input, batchFirst, input.shape[input.ndim - 1], layer);
  const ids = padding.ids;
  const expected = input.ndim === 2 ? [seq] : [batch, seq];
  if (ids.ndim !== expected.length || ids.shape.some((d, i) => d !== expected[i]))
    throw new RangeError(
      `${layer}: expecting key_padding_mask shape of ${shapeToString(expected)}, but the token ids have shape ${shapeToString(ids.shape)}`,
    );
  const flags = new Uint8Array(ids.size);
  for (let i = 0; i < ids.size; i++) flags[i] = ids.data[i] === padding.paddingIdx ? 1 : 0;
  return flags;
}
