/**
 * `nn.TransformerEncoderLayer` and `nn.TransformerEncoder` (PyTorch 1.13), with PyTorch's
 * arguments, defaults, initialisation and state-dict names (`self_attn.in_proj_weight`,
 * `linear1.weight`, `norm1.weight`, …; in an encoder `layers.0.…` and `norm.…`).
 *
 * The layer computes, with `_sa_block(x) = dropout1(self_attn(x, x, x))` and
 * `_ff_block(x) = dropout2(linear2(dropout(activation(linear1(x)))))`:
 *   norm_first: x = x + _sa_block(norm1(x)); x = x + _ff_block(norm2(x))
 *   otherwise:  x = norm1(x + _sa_block(x)); x = norm2(x + _ff_block(x))
 * The encoder applies deep copies of one layer (`_get_clones`: every layer starts from the same
 * weights, as in PyTorch), then the optional final norm. Masks as in MultiheadAttention
 * (attention.ts): `srcKeyPaddingMask: 'padding_idx'` and `isCausal`.
 */
import { gelu } from '../ops/activations.js';
import { add } from '../ops/elementwise.js';
import { linearRelu } from '../ops/matmul.js';
import { defaultGenerator, type Generator } from '../random.js';
import { isGradEnabled, Tensor } from '../tensor.js';
import {
  type KeyPaddingMaskSource,
  keyPaddingFromContext,
  MultiheadAttention,
  sequenceDims,
} from './attention.js';
import { Dropout } from './dropout.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import { type ForwardContext, Module } from './module.js';

export interface TransformerEncoderLayerOptions {
  dimFeedforward?: number;
  dropout?: number;
  activation?: 'relu' | 'gelu';
  layerNormEps?: number;
  batchFirst?: boolean;
  normFirst?: boolean;
  srcKeyPaddingMask?: KeyPaddingMaskSource;
  isCausal?: boolean;
  generator?: Generator;
}

export class TransformerEncoderLayer extends Module {
  readonly selfAttn: MultiheadAttention;
  readonly linear1: Linear;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly activation: 'relu' | 'gelu';
  readonly batchFirst: boolean;
  readonly normFirst: boolean;
  readonly srcKeyPaddingMask: KeyPaddingMaskSource;
  readonly isCausal: boolean;
  private readonly dropoutFf: Dropout;
  private readonly dropout1: Dropout;
  private readonly dropout2: Dropout;

  constructor(
    readonly dModel: number,
    readonly nhead: number,
    {
      dimFeedforward = 2048,
      dropout = 0.1,
      activation = 'relu',
      layerNormEps = 1e-5,
      batchFirst = false,
      normFirst = false,
      srcKeyPaddingMask = null,
      isCausal = false,
      generator = defaultGenerator,
    }: TransformerEncoderLayerOptions = {},
  ) {
    super();
    this.activation = activation;
    this.batchFirst = batchFirst;
    this.normFirst = normFirst;
    this.srcKeyPaddingMask = srcKeyPaddingMask;
    this.isCausal = isCausal;
    this.selfAttn = new MultiheadAttention(dModel, nhead, { dropout, batchFirst, generator });
    this.linear1 = new Linear(dModel, dimFeedforward, { generator });
    this.dropoutFf = new Dropout(dropout, generator);
    this.linear2 = new Linear(dimFeedforward, dModel, { generator });
    this.norm1 = new LayerNorm(dModel, layerNormEps);
    this.norm2 = new LayerNorm(dModel, layerNormEps);
    this.dropout1 = new Dropout(dropout, generator);
    this.dropout2 = new Dropout(dropout, generator);
    this.registerModule('self_attn', this.selfAttn);
    this.registerModule('linear1', this.linear1);
    this.registerModule('dropout', this.dropoutFf);
    this.registerModule('linear2', this.linear2);
    this.registerModule('norm1', this.norm1);
    this.registerModule('norm2', this.norm2);
    this.registerModule('dropout1', this.dropout1);
    this.registerModule('dropout2', this.dropout2);
  }

  forward(input: Tensor, context?: ForwardContext): Tensor {
    const mask =
      this.srcKeyPaddingMask === null
        ? null
        : keyPaddingFromContext(input, this.batchFirst, context, 'TransformerEncoderLayer');
    return this.encode(input, mask, this.isCausal);
  }

  /** The layer's forward with explicit masks (the encoder passes its own to every layer). */
  encode(src: Tensor, keyPadding: Uint8Array | null, causal: boolean): Tensor {
    sequenceDims(src, this.batchFirst, this.dModel, 'TransformerEncoderLayer');
    const sa = (x: Tensor) => this.dropout1.forward(this.selfAttn.attend(x, keyPadding, causal));
    const ff = (x: Tensor) => {
      const hidden =
        this.activation === 'relu'
          ? linearRelu(x, this.linear1.weight, this.linear1.bias)
          : gelu(this.linear1.forward(x));
      return this.dropout2.forward(this.linear2.forward(this.dropoutFf.forward(hidden)));
    };
    let x = src;
    if (this.normFirst) {
      x = add(x, sa(this.norm1.forward(x)));
      x = add(x, ff(this.norm2.forward(x)));
    } else {
      x = this.norm1.forward(add(x, sa(x)));
      x = this.norm2.forward(add(x, ff(x)));
    }
    return x;
  }
}

/** A list of modules registered "0", "1", … (`nn.ModuleList`); it has no forward of its own. */
export class ModuleList extends Module {
  constructor(readonly modules: readonly Module[]) {
    super();
    modules.forEach((m, i) => {
      this.registerModule(String(i), m);
    });
  }
  forward(): Tensor {
    throw new Error('ModuleList has no forward');
  }
}

export interface TransformerEncoderOptions {
  norm?: LayerNorm | null;
  enableNestedTensor?: boolean;
  maskCheck?: boolean;
  srcKeyPaddingMask?: KeyPaddingMaskSource;
  isCausal?: boolean;
}

export class TransformerEncoder extends Module {
  readonly layers: readonly TransformerEncoderLayer[];
  readonly norm: LayerNorm | null;
  readonly enableNestedTensor: boolean;
  readonly maskCheck: boolean;
  readonly srcKeyPaddingMask: KeyPaddingMaskSource;
  readonly isCausal: boolean;

  /**
   * `makeLayer(generator)` builds one encoder layer; the first is drawn from `generator` and the
   * others are copies of it (PyTorch deep-copies `encoder_layer` num_layers times).
   */
  constructor(
    makeLayer: (generator: Generator) => TransformerEncoderLayer,
    readonly numLayers: number,
    generator: Generator = defaultGenerator,
    {
      norm = null,
      enableNestedTensor = true,
      maskCheck = true,
      srcKeyPaddingMask = null,
      isCausal = false,
    }: TransformerEncoderOptions = {},
  ) {
    super();
    const first = makeLayer(generator);
    const layers = [first];
    for (let i = 1; i < numLayers; i++) {
      // Built on the model's generator too (their dropout draws from it), then given the first's weights.
      const copy = makeLayer(generator);
      copy.loadStateDict(first.stateDict());
      layers.push(copy);
    }
    this.layers = layers;
    this.norm = norm;
    this.enableNestedTensor = enableNestedTensor;
    this.maskCheck = maskCheck;
    this.srcKeyPaddingMask = srcKeyPaddingMask;
    this.isCausal = isCausal;
    this.registerModule('layers', new ModuleList(layers));
    if (norm !== null) this.registerModule('norm', norm);
  }

  forward(input: Tensor, context?: ForwardContext): Tensor {
    const first = this.layers[0];
    const mask =
      this.srcKeyPaddingMask === null
        ? null
        : keyPaddingFromContext(input, first.batchFirst, context, 'TransformerEncoder');
    let x = input;
    for (const layer of this.layers) x = layer.encode(x, mask, this.isCausal);
    if (mask !== null && this.nestedFastPath(input, mask)) x = zeroPadded(x, mask);
    return this.norm === null ? x : this.norm.forward(x);
  }

  /**
   * Whether PyTorch 1.13 would take its nested-tensor path, which returns 0 at the padded positions
   * (before the final norm): inference (eval, no autograd) with enable_nested_tensor, batch_first,
   * not norm_first, a 3-D input, an even nhead, no causal mask and (with mask_check) padding only at
   * the end of each sequence. The other positions are the same either way.
   */
  private nestedFastPath(input: Tensor, mask: Uint8Array): boolean {
    const first = this.layers[0];
    if (first.training || isGradEnabled() || !this.enableNestedTensor || this.isCausal) return false;
    if (!first.batchFirst || first.normFirst || input.ndim !== 3 || first.nhead % 2 === 1) return false;
    if (!this.maskCheck) return true;
    const [n, l] = input.shape;
    for (let s = 0; s < n; s++)
      for (let j = 1; j < l; j++) if (mask[s * l + j - 1] === 1 && mask[s * l + j] === 0) return false;
    return true;
  }
}

/** x with the rows of padded positions set to 0 (inference only: no gradient). */
function zeroPadded(x: Tensor, mask: Uint8Array): Tensor {
  const e = x.shape[x.ndim - 1];
  const data = Float32Array.from(x.data);
  for (let r = 0; r < mask.length; r++) if (mask[r] === 1) data.fill(0, r * e, (r + 1) * e);
  return new Tensor(data, x.shape);
}
