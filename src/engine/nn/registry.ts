/**
 * Layer specs as JSON (`{"type": "Linear", "in_features": 10, "out_features": 20}`), keyed by
 * PyTorch class name, and `buildModel`, which turns `{"layers": [...]}` into an nn.Sequential
 * (model-spec.ts takes either form, this or a graph).
 */
import { z } from 'zod';
import { collectIssues, type IssuePath, SpecError } from '../errors.js';
import type { Generator } from '../random.js';
import { parseTyped, unionOf, zodIssuesToSpecError } from '../spec-parse.js';
import {
  ELU,
  Flatten,
  GELU,
  Identity,
  LeakyReLU,
  ReLU,
  Sigmoid,
  SiLU,
  Softplus,
  Tanh,
  Unflatten,
} from './activation-layers.js';
import { MultiheadAttention } from './attention.js';
import { BatchNorm1d, BatchNorm2d } from './batch-norm.js';
import { Conv1d, Conv2d } from './conv.js';
import { Dropout, Dropout2d } from './dropout.js';
import { Embedding } from './embedding.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import type { Module } from './module.js';
import {
  AdaptiveAvgPool1d,
  AdaptiveAvgPool2d,
  AdaptiveMaxPool2d,
  AvgPool1d,
  AvgPool2d,
  MaxPool1d,
  MaxPool2d,
} from './pool.js';
import { PositionalEncoding } from './positional-encoding.js';
import { GRU, LSTM, RNN } from './recurrent.js';
import { Mean, Select } from './selectors.js';
import { Sequential } from './sequential.js';
import { TransformerEncoder, TransformerEncoderLayer } from './transformer.js';

const positiveInt = z.number().int().positive();
const finite = z.number().finite();
/** PyTorch's `inplace` flag: accepted for compatibility; it changes nothing here. */
const inplace = z.boolean().default(false);
const dropoutP = finite
  .min(0, 'dropout probability has to be between 0 and 1')
  .max(1, 'dropout probability has to be between 0 and 1')
  .default(0.5);
/** The keyword arguments of PyTorch's `_BatchNorm`, shared by BatchNorm1d and BatchNorm2d. */
const batchNormArgs = {
  num_features: positiveInt,
  eps: finite.positive().default(1e-5),
  momentum: finite.min(0).max(1).nullable().default(0.1),
  affine: z.boolean().default(true),
  track_running_stats: z.boolean().default(true),
};

/** A spatial argument: one int for every dim, or a list of one per dim (PyTorch's int or tuple). */
function perDim(dims: number, min: number) {
  const int = z.number().int().min(min);
  return z.union([int, z.array(int).length(dims, `give one value, or a list of ${dims}`)]);
}

/** The keyword arguments of PyTorch's `_ConvNd`, with its refusals checked before queueing. */
function convSchema<T extends 'Conv1d' | 'Conv2d'>(type: T, dims: number) {
  return z
    .strictObject({
      type: z.literal(type),
      in_channels: positiveInt,
      out_channels: positiveInt,
      kernel_size: perDim(dims, 1),
      stride: perDim(dims, 1).default(1),
      padding: z.union([perDim(dims, 0), z.enum(['same', 'valid'])]).default(0),
      dilation: perDim(dims, 1).default(1),
      groups: positiveInt.default(1),
      bias: z.boolean().default(true),
      padding_mode: z
        .enum(['zeros', 'reflect', 'replicate', 'circular'])
        .default('zeros')
        .refine((mode) => mode === 'zeros', "only padding_mode 'zeros' is supported"),
    })
    .superRefine((spec, ctx) => {
      if (spec.in_channels % spec.groups !== 0)
        ctx.addIssue({
          code: 'custom',
          path: ['groups'],
          message: 'in_channels must be divisible by groups',
        });
      if (spec.out_channels % spec.groups !== 0)
        ctx.addIssue({
          code: 'custom',
          path: ['groups'],
          message: 'out_channels must be divisible by groups',
        });
      const strided = typeof spec.stride === 'number' ? spec.stride > 1 : spec.stride.some((s) => s > 1);
      if (spec.padding === 'same' && strided)
        ctx.addIssue({
          code: 'custom',
          path: ['padding'],
          message: "padding='same' is not supported for strided convolutions",
        });
    });
}

/** The keyword arguments of PyTorch's max and average pools (stride null: the kernel size). */
function poolArgs(dims: number) {
  return {
    kernel_size: perDim(dims, 1),
    stride: perDim(dims, 1).nullable().default(null),
    padding: perDim(dims, 0).default(0),
    ceil_mode: z.boolean().default(false),
  };
}

function maxPoolSchema<T extends 'MaxPool1d' | 'MaxPool2d'>(type: T, dims: number) {
  return z.strictObject({
    type: z.literal(type),
    ...poolArgs(dims),
    dilation: perDim(dims, 1).default(1),
    return_indices: z
      .boolean()
      .default(false)
      .refine(
        (indices) => !indices,
        'return_indices is not supported: a layer of a Sequential passes on one tensor',
      ),
  });
}

/** An adaptive pool's output_size: an int, or a list of one per dim where null keeps the input's. */
function adaptiveSize(dims: number) {
  const size = positiveInt.nullable();
  return z.union([positiveInt, z.array(size).length(dims, `give one size, or a list of ${dims}`)]);
}
/** The keyword arguments of PyTorch's `RNNBase` (RNN adds `nonlinearity`). */
const recurrentArgs = {
  input_size: positiveInt,
  hidden_size: positiveInt,
  num_layers: positiveInt.default(1),
  bias: z.boolean().default(true),
  batch_first: z.boolean().default(false),
  dropout: finite
    .min(
      0,
      'dropout should be a number in range [0, 1] representing the probability of an element being zeroed',
    )
    .max(
      1,
      'dropout should be a number in range [0, 1] representing the probability of an element being zeroed',
    )
    .default(0),
  bidirectional: z.boolean().default(false),
};

/** The service's key padding mask: the keys whose token id is the padding_idx of the Embedding before. */
const keyPaddingMask = z.enum(['padding_idx']).nullable().default(null);
/** Masks future keys (PyTorch 2's `is_causal`, the square subsequent mask). */
const isCausal = z.boolean().default(false);
const headsDivide = (spec: { d: number; heads: number }) => spec.d % spec.heads === 0;
const layerNormSchema = z.strictObject({
  type: z.literal('LayerNorm'),
  normalized_shape: z.union([positiveInt, z.array(positiveInt).min(1)]),
  eps: finite.positive().default(1e-5),
  elementwise_affine: z.boolean().default(true),
});
const encoderLayerSchema = z
  .strictObject({
    type: z.literal('TransformerEncoderLayer'),
    d_model: positiveInt,
    nhead: positiveInt,
    dim_feedforward: positiveInt.default(2048),
    dropout: dropoutP.default(0.1),
    activation: z.enum(['relu', 'gelu']).default('relu'),
    layer_norm_eps: finite.positive().default(1e-5),
    batch_first: z.boolean().default(false),
    norm_first: z.boolean().default(false),
    src_key_padding_mask: keyPaddingMask,
    is_causal: isCausal,
  })
  .refine((s) => headsDivide({ d: s.d_model, heads: s.nhead }), {
    path: ['nhead'],
    message: 'embed_dim must be divisible by num_heads',
  });

export const layerRegistry = Object.freeze({
  Linear: z.strictObject({
    type: z.literal('Linear'),
    in_features: positiveInt,
    out_features: positiveInt,
    bias: z.boolean().default(true),
  }),
  ReLU: z.strictObject({ type: z.literal('ReLU'), inplace }),
  LeakyReLU: z.strictObject({ type: z.literal('LeakyReLU'), negative_slope: finite.default(0.01), inplace }),
  Sigmoid: z.strictObject({ type: z.literal('Sigmoid') }),
  Tanh: z.strictObject({ type: z.literal('Tanh') }),
  GELU: z.strictObject({ type: z.literal('GELU'), approximate: z.enum(['none', 'tanh']).default('none') }),
  ELU: z.strictObject({ type: z.literal('ELU'), alpha: finite.default(1), inplace }),
  SiLU: z.strictObject({ type: z.literal('SiLU'), inplace }),
  Softplus: z.strictObject({
    type: z.literal('Softplus'),
    beta: finite.default(1),
    threshold: finite.default(20),
  }),
  Identity: z.strictObject({ type: z.literal('Identity') }),
  Flatten: z.strictObject({
    type: z.literal('Flatten'),
    start_dim: z.number().int().default(1),
    end_dim: z.number().int().default(-1),
  }),
  Dropout: z.strictObject({ type: z.literal('Dropout'), p: dropoutP, inplace }),
  LayerNorm: z.strictObject({
    type: z.literal('LayerNorm'),
    normalized_shape: z.union([positiveInt, z.array(positiveInt).min(1)]),
    eps: finite.positive().default(1e-5),
    elementwise_affine: z.boolean().default(true),
  }),
  BatchNorm1d: z.strictObject({ type: z.literal('BatchNorm1d'), ...batchNormArgs }),
  // Image models' normalisation and shape layers.
  BatchNorm2d: z.strictObject({ type: z.literal('BatchNorm2d'), ...batchNormArgs }),
  Dropout2d: z.strictObject({ type: z.literal('Dropout2d'), p: dropoutP, inplace }),
  Conv1d: convSchema('Conv1d', 1),
  Conv2d: convSchema('Conv2d', 2),
  MaxPool1d: maxPoolSchema('MaxPool1d', 1),
  MaxPool2d: maxPoolSchema('MaxPool2d', 2),
  AvgPool1d: z.strictObject({
    type: z.literal('AvgPool1d'),
    ...poolArgs(1),
    count_include_pad: z.boolean().default(true),
  }),
  AvgPool2d: z.strictObject({
    type: z.literal('AvgPool2d'),
    ...poolArgs(2),
    count_include_pad: z.boolean().default(true),
    divisor_override: z
      .number()
      .int()
      .refine((d) => d !== 0, 'divisor must be not zero')
      .nullable()
      .default(null),
  }),
  AdaptiveAvgPool1d: z.strictObject({ type: z.literal('AdaptiveAvgPool1d'), output_size: adaptiveSize(1) }),
  AdaptiveAvgPool2d: z.strictObject({ type: z.literal('AdaptiveAvgPool2d'), output_size: adaptiveSize(2) }),
  AdaptiveMaxPool2d: z.strictObject({
    type: z.literal('AdaptiveMaxPool2d'),
    output_size: adaptiveSize(2),
    return_indices: z
      .boolean()
      .default(false)
      .refine(
        (indices) => !indices,
        'return_indices is not supported: a layer of a Sequential passes on one tensor',
      ),
  }),
  Unflatten: z.strictObject({
    type: z.literal('Unflatten'),
    dim: z.number().int(),
    unflattened_size: z
      .array(
        z
          .number()
          .int()
          .refine((d) => d > 0 || d === -1, 'each size must be a positive integer, or -1 to infer it'),
      )
      .min(1, 'unflattened_size needs at least one size')
      .refine(
        (sizes) => sizes.filter((d) => d === -1).length <= 1,
        'only one dimension can be inferred (-1)',
      ),
  }),
  // Sequence models: token embeddings, recurrent layers, and the service's selector layers.
  Embedding: z
    .strictObject({
      type: z.literal('Embedding'),
      num_embeddings: positiveInt,
      embedding_dim: positiveInt,
      padding_idx: z.number().int().nullable().default(null),
      max_norm: z
        .number()
        .nullable()
        .default(null)
        .refine(
          (m) => m === null,
          'max_norm is not supported (it renormalises the weight in place during the forward)',
        ),
      norm_type: finite.default(2),
      scale_grad_by_freq: z
        .boolean()
        .default(false)
        .refine((v) => !v, 'scale_grad_by_freq is not supported'),
      sparse: z
        .boolean()
        .default(false)
        .refine((v) => !v, 'sparse gradients are not supported'),
    })
    .superRefine((spec, ctx) => {
      const p = spec.padding_idx;
      if (p !== null && (p >= spec.num_embeddings || p < -spec.num_embeddings))
        ctx.addIssue({
          code: 'custom',
          path: ['padding_idx'],
          message: 'Padding_idx must be within num_embeddings',
        });
    }),
  RNN: z.strictObject({
    type: z.literal('RNN'),
    ...recurrentArgs,
    nonlinearity: z.enum(['tanh', 'relu']).default('tanh'),
  }),
  LSTM: z.strictObject({
    type: z.literal('LSTM'),
    ...recurrentArgs,
    // PyTorch's LSTM-only argument (RNN and GRU refuse it); only its default is supported here.
    proj_size: z
      .number()
      .int()
      .default(0)
      .refine((p) => p === 0, 'proj_size is not supported'),
  }),
  GRU: z.strictObject({ type: z.literal('GRU'), ...recurrentArgs }),
  // Attention (self-attention in a stack: query = key = value = the input; attn_output only).
  MultiheadAttention: z
    .strictObject({
      type: z.literal('MultiheadAttention'),
      embed_dim: positiveInt,
      num_heads: positiveInt,
      dropout: dropoutP.default(0),
      bias: z.boolean().default(true),
      add_bias_kv: z
        .boolean()
        .default(false)
        .refine((v) => !v, 'add_bias_kv is not supported'),
      add_zero_attn: z
        .boolean()
        .default(false)
        .refine((v) => !v, 'add_zero_attn is not supported'),
      kdim: positiveInt.nullable().default(null),
      vdim: positiveInt.nullable().default(null),
      batch_first: z.boolean().default(false),
      key_padding_mask: keyPaddingMask,
      is_causal: isCausal,
    })
    .superRefine((spec, ctx) => {
      if (!headsDivide({ d: spec.embed_dim, heads: spec.num_heads }))
        ctx.addIssue({
          code: 'custom',
          path: ['num_heads'],
          message: 'embed_dim must be divisible by num_heads',
        });
      for (const key of ['kdim', 'vdim'] as const)
        if (spec[key] !== null && spec[key] !== spec.embed_dim)
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `${key} must equal embed_dim: in a stack the layer is self-attention`,
          });
    }),
  TransformerEncoderLayer: encoderLayerSchema,
  TransformerEncoder: z
    .strictObject({
      type: z.literal('TransformerEncoder'),
      encoder_layer: encoderLayerSchema,
      num_layers: positiveInt,
      norm: layerNormSchema.nullable().default(null),
      enable_nested_tensor: z.boolean().default(true),
      mask_check: z.boolean().default(true),
      src_key_padding_mask: keyPaddingMask,
      is_causal: isCausal,
    })
    .superRefine((spec, ctx) => {
      for (const key of ['src_key_padding_mask', 'is_causal'] as const)
        if (spec.encoder_layer[key] !== (key === 'is_causal' ? false : null))
          ctx.addIssue({
            code: 'custom',
            path: ['encoder_layer', key],
            message: `set ${key} on the TransformerEncoder, which passes it to every layer`,
          });
      const ns = spec.norm?.normalized_shape;
      if (
        ns !== undefined &&
        !(
          ns === spec.encoder_layer.d_model ||
          (Array.isArray(ns) && ns.length === 1 && ns[0] === spec.encoder_layer.d_model)
        )
      )
        ctx.addIssue({
          code: 'custom',
          path: ['norm', 'normalized_shape'],
          message: `expected normalized_shape ${spec.encoder_layer.d_model} (d_model)`,
        });
    }),
  /** The service's own (PyTorch's Transformer tutorial): the sinusoidal encoding, then dropout. */
  PositionalEncoding: z.strictObject({
    type: z.literal('PositionalEncoding'),
    d_model: positiveInt.refine(
      (d) => d % 2 === 0,
      'd_model must be even (the encoding pairs a sine and a cosine)',
    ),
    dropout: dropoutP.default(0.1),
    max_len: positiveInt.default(5000),
    batch_first: z.boolean().default(false),
  }),
  /** The service's own: `x.select(dim, index)`, e.g. `x[:, -1]` for dim 1, index -1. */
  Select: z.strictObject({ type: z.literal('Select'), dim: z.number().int(), index: z.number().int() }),
  /** The service's own: `x.mean(dim, keepdim)`. */
  Mean: z.strictObject({
    type: z.literal('Mean'),
    dim: z.number().int(),
    keepdim: z.boolean().default(false),
  }),
});

export const layerSpecSchema = unionOf(layerRegistry);
export type LayerSpec = z.output<typeof layerSpecSchema>;
export type LayerType = keyof typeof layerRegistry;

export const modelSpecSchema = z.strictObject({
  layers: z.array(z.unknown()).min(1, 'a model needs at least one layer'),
});
/** The sequential form of a model: `{"layers": [...]}`, an nn.Sequential. */
export interface ModelSpec {
  layers: LayerSpec[];
}

/** Parses a sequential model spec, naming each bad layer field as `layers[i].field`. */
export function parseModelSpec(value: unknown, prefix: IssuePath = []): ModelSpec {
  const parsed = modelSpecSchema.safeParse(value);
  if (!parsed.success) throw zodIssuesToSpecError(parsed.error, prefix);
  const issues: SpecError['issues'] = [];
  const layers: LayerSpec[] = [];
  parsed.data.layers.forEach((layer, i) => {
    const spec = collectIssues(issues, () =>
      parseTyped(layerRegistry, layer, 'layer', [...prefix, 'layers', i]),
    );
    if (spec !== undefined) layers.push(spec as LayerSpec);
  });
  if (issues.length > 0) throw new SpecError(issues);
  return { layers };
}

export function buildLayer(spec: LayerSpec, generator: Generator): Module {
  switch (spec.type) {
    case 'Linear':
      return new Linear(spec.in_features, spec.out_features, { bias: spec.bias, generator });
    case 'ReLU':
      return new ReLU();
    case 'LeakyReLU':
      return new LeakyReLU(spec.negative_slope);
    case 'Sigmoid':
      return new Sigmoid();
    case 'Tanh':
      return new Tanh();
    case 'GELU':
      return new GELU(spec.approximate);
    case 'ELU':
      return new ELU(spec.alpha);
    case 'SiLU':
      return new SiLU();
    case 'Softplus':
      return new Softplus(spec.beta, spec.threshold);
    case 'Identity':
      return new Identity();
    case 'Flatten':
      return new Flatten(spec.start_dim, spec.end_dim);
    case 'Dropout':
      return new Dropout(spec.p, generator);
    case 'LayerNorm':
      return new LayerNorm(spec.normalized_shape, spec.eps, spec.elementwise_affine);
    case 'BatchNorm1d':
      return new BatchNorm1d(spec.num_features, batchNormOptions(spec));
    case 'BatchNorm2d':
      return new BatchNorm2d(spec.num_features, batchNormOptions(spec));
    case 'Dropout2d':
      return new Dropout2d(spec.p, generator);
    case 'Unflatten':
      return new Unflatten(spec.dim, spec.unflattened_size);
    case 'Conv1d':
      return new Conv1d(spec.in_channels, spec.out_channels, spec.kernel_size, convOptions(spec, generator));
    case 'Conv2d':
      return new Conv2d(spec.in_channels, spec.out_channels, spec.kernel_size, convOptions(spec, generator));
    case 'MaxPool1d':
      return new MaxPool1d(spec.kernel_size, maxPoolOptions(spec));
    case 'MaxPool2d':
      return new MaxPool2d(spec.kernel_size, maxPoolOptions(spec));
    case 'AvgPool1d':
      return new AvgPool1d(spec.kernel_size, avgPoolOptions(spec));
    case 'AvgPool2d':
      return new AvgPool2d(spec.kernel_size, {
        ...avgPoolOptions(spec),
        divisorOverride: spec.divisor_override,
      });
    case 'AdaptiveAvgPool1d':
      return new AdaptiveAvgPool1d(spec.output_size);
    case 'AdaptiveAvgPool2d':
      return new AdaptiveAvgPool2d(spec.output_size);
    case 'AdaptiveMaxPool2d':
      return new AdaptiveMaxPool2d(spec.output_size);
    case 'Embedding':
      return new Embedding(spec.num_embeddings, spec.embedding_dim, {
        paddingIdx: spec.padding_idx,
        generator,
      });
    case 'RNN':
      return new RNN(spec.input_size, spec.hidden_size, spec.nonlinearity, recurrentOptions(spec, generator));
    case 'LSTM':
      return new LSTM(spec.input_size, spec.hidden_size, recurrentOptions(spec, generator));
    case 'GRU':
      return new GRU(spec.input_size, spec.hidden_size, recurrentOptions(spec, generator));
    case 'Select':
      return new Select(spec.dim, spec.index);
    case 'Mean':
      return new Mean(spec.dim, spec.keepdim);
    case 'MultiheadAttention':
      return new MultiheadAttention(spec.embed_dim, spec.num_heads, {
        dropout: spec.dropout,
        bias: spec.bias,
        batchFirst: spec.batch_first,
        keyPaddingMask: spec.key_padding_mask,
        isCausal: spec.is_causal,
        generator,
      });
    case 'TransformerEncoderLayer':
      return buildEncoderLayer(spec, generator);
    case 'TransformerEncoder':
      return new TransformerEncoder(
        (g) => buildEncoderLayer(spec.encoder_layer, g),
        spec.num_layers,
        generator,
        {
          norm:
            spec.norm === null
              ? null
              : new LayerNorm(spec.norm.normalized_shape, spec.norm.eps, spec.norm.elementwise_affine),
          enableNestedTensor: spec.enable_nested_tensor,
          maskCheck: spec.mask_check,
          srcKeyPaddingMask: spec.src_key_padding_mask,
          isCausal: spec.is_causal,
        },
      );
    case 'PositionalEncoding':
      return new PositionalEncoding(spec.d_model, {
        dropout: spec.dropout,
        maxLen: spec.max_len,
        batchFirst: spec.batch_first,
        generator,
      });
  }
}

function buildEncoderLayer(spec: z.output<typeof encoderLayerSchema>, generator: Generator) {
  return new TransformerEncoderLayer(spec.d_model, spec.nhead, {
    dimFeedforward: spec.dim_feedforward,
    dropout: spec.dropout,
    activation: spec.activation,
    layerNormEps: spec.layer_norm_eps,
    batchFirst: spec.batch_first,
    normFirst: spec.norm_first,
    srcKeyPaddingMask: spec.src_key_padding_mask,
    isCausal: spec.is_causal,
    generator,
  });
}

function recurrentOptions(spec: Extract<LayerSpec, { type: 'RNN' | 'LSTM' | 'GRU' }>, generator: Generator) {
  return {
    numLayers: spec.num_layers,
    bias: spec.bias,
    batchFirst: spec.batch_first,
    dropout: spec.dropout,
    bidirectional: spec.bidirectional,
    generator,
  };
}

function convOptions(spec: Extract<LayerSpec, { type: 'Conv1d' | 'Conv2d' }>, generator: Generator) {
  return {
    stride: spec.stride,
    padding: spec.padding,
    dilation: spec.dilation,
    groups: spec.groups,
    bias: spec.bias,
    generator,
  };
}

function maxPoolOptions(spec: Extract<LayerSpec, { type: 'MaxPool1d' | 'MaxPool2d' }>) {
  return { stride: spec.stride, padding: spec.padding, dilation: spec.dilation, ceilMode: spec.ceil_mode };
}

function avgPoolOptions(spec: Extract<LayerSpec, { type: 'AvgPool1d' | 'AvgPool2d' }>) {
  return {
    stride: spec.stride,
    padding: spec.padding,
    ceilMode: spec.ceil_mode,
    countIncludePad: spec.count_include_pad,
  };
}

function batchNormOptions(spec: Extract<LayerSpec, { type: 'BatchNorm1d' | 'BatchNorm2d' }>) {
  return {
    eps: spec.eps,
    momentum: spec.momentum,
    affine: spec.affine,
    trackRunningStats: spec.track_running_stats,
  };
}

/**
 * Builds the `nn.Sequential` of a model spec. Initial weights are drawn from `generator` in layer
 * order (weight, then bias), and Dropout masks come from the same generator during training.
 */
export function buildModel(spec: unknown, generator: Generator): Sequential {
  const parsed = parseModelSpec(spec);
  return new Sequential(...parsed.layers.map((layer) => buildLayer(layer, generator)));
}
