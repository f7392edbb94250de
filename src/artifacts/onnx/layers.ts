/**
 * One ONNX exporter per layer type, keyed by PyTorch class name like the layer registry (the type
 * makes the compiler ask for an entry for every layer the engine has). Each writes the layer's
 * eval-mode computation with opset 17 operators and returns the name of its output value.
 * Operators opset 17 lacks are written out: GELU (Gelu is opset 20) with Erf or Tanh, SiLU as
 * x·Sigmoid(x), Softplus with PyTorch's beta and threshold around ONNX's plain Softplus.
 */
import { convPadding } from '../../engine/nn/conv.js';
import type { LayerSpec, LayerType } from '../../engine/nn/registry.js';
import { attentionRefused } from './attention-layers.js';
import { attr, type OnnxGraph } from './graph.js';
import { adaptivePool, avgPool, maxPool } from './pool-layers.js';
import { embedding, mean, recurrent, select } from './sequence-layers.js';

export interface StateTensor {
  shape: readonly number[];
  data: Float32Array;
}

export interface LayerContext {
  readonly graph: OnnxGraph;
  /** The layer's input value. */
  readonly input: string;
  /** Per-sample input shape (without the batch dimension). */
  readonly inputShape: readonly number[];
  /** Base name of the layer's nodes, e.g. `2_Linear`. */
  readonly name: string;
  /** The layer's state-dict entry `key` (`weight` is `2.weight` for layer 2); throws when missing. */
  tensor(key: string): StateTensor;
  /** The entry as an initializer, with its own shape or `dims` (same number of values). */
  param(key: string, dims?: readonly number[]): string;
}

type Exporter<T extends LayerType> = (layer: Extract<LayerSpec, { type: T }>, ctx: LayerContext) => string;

const unary =
  (opType: string) =>
  (_layer: LayerSpec, ctx: LayerContext): string =>
    ctx.graph.node(opType, [ctx.input], ctx.name);

export const onnxLayers: { readonly [T in LayerType]: Exporter<T> } = Object.freeze({
  Linear: (layer, ctx) => {
    const { graph, input, name } = ctx;
    const bias = layer.bias ? ctx.param('bias') : '';
    // Gemm takes 2-D input; PyTorch's Linear maps the last dimension of any rank.
    if (ctx.inputShape.length === 1)
      return graph.node(
        'Gemm',
        bias === '' ? [input, ctx.param('weight')] : [input, ctx.param('weight'), bias],
        name,
        {
          transB: attr.int(1),
        },
      );
    const w = ctx.tensor('weight');
    const transposed = new Float32Array(w.data.length);
    const [out, inp] = w.shape;
    for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) transposed[i * out + o] = w.data[o * inp + i];
    const product = graph.node(
      'MatMul',
      [input, graph.float(`${name}_weight_t`, [inp, out], transposed)],
      name,
    );
    return bias === '' ? product : graph.node('Add', [product, bias], `${name}_bias`);
  },
  ReLU: unary('Relu'),
  LeakyReLU: (layer, ctx) =>
    ctx.graph.node('LeakyRelu', [ctx.input], ctx.name, { alpha: attr.float(layer.negative_slope) }),
  Sigmoid: unary('Sigmoid'),
  Tanh: unary('Tanh'),
  GELU: (layer, ctx) => {
    const { graph, input: x, name } = ctx;
    let gate: string; // 1 + erf(x/√2), or 1 + tanh(√(2/π)(x + 0.044715x³))
    if (layer.approximate === 'none') {
      const scaled = graph.node(
        'Mul',
        [x, graph.scalar(`${name}_inv_sqrt2`, Math.SQRT1_2)],
        `${name}_scaled`,
      );
      gate = graph.node(
        'Add',
        [graph.node('Erf', [scaled], `${name}_erf`), graph.scalar(`${name}_one`, 1)],
        `${name}_gate`,
      );
    } else {
      const cube = graph.node('Mul', [x, graph.node('Mul', [x, x], `${name}_square`)], `${name}_cube`);
      const inner = graph.node(
        'Add',
        [x, graph.node('Mul', [cube, graph.scalar(`${name}_c`, 0.044715)], `${name}_cubic`)],
        `${name}_inner`,
      );
      const scaled = graph.node(
        'Mul',
        [inner, graph.scalar(`${name}_k`, Math.sqrt(2 / Math.PI))],
        `${name}_scaled`,
      );
      gate = graph.node(
        'Add',
        [graph.node('Tanh', [scaled], `${name}_tanh`), graph.scalar(`${name}_one`, 1)],
        `${name}_gate`,
      );
    }
    const half = graph.node('Mul', [x, graph.scalar(`${name}_half`, 0.5)], `${name}_half_x`);
    return graph.node('Mul', [half, gate], name);
  },
  ELU: (layer, ctx) => ctx.graph.node('Elu', [ctx.input], ctx.name, { alpha: attr.float(layer.alpha) }),
  SiLU: (_layer, ctx) =>
    ctx.graph.node(
      'Mul',
      [ctx.input, ctx.graph.node('Sigmoid', [ctx.input], `${ctx.name}_sigmoid`)],
      ctx.name,
    ),
  Softplus: (layer, ctx) => {
    // PyTorch: log(1 + exp(βx)) / β, and x itself where βx > threshold.
    const { graph, input: x, name } = ctx;
    let bx = x;
    let soft: string;
    if (layer.beta === 1) soft = graph.node('Softplus', [x], `${name}_softplus`);
    else {
      const beta = graph.scalar(`${name}_beta`, layer.beta);
      bx = graph.node('Mul', [x, beta], `${name}_bx`);
      soft = graph.node('Div', [graph.node('Softplus', [bx], `${name}_softplus`), beta], `${name}_div`);
    }
    const linear = graph.node(
      'Greater',
      [bx, graph.scalar(`${name}_threshold`, layer.threshold)],
      `${name}_linear`,
    );
    return graph.node('Where', [linear, x, soft], name);
  },
  Identity: unary('Identity'),
  // Eval mode: dropout passes its input through.
  Dropout: unary('Identity'),
  Flatten: (layer, ctx) => {
    const rank = ctx.inputShape.length + 1;
    const start = layer.start_dim < 0 ? layer.start_dim + rank : layer.start_dim;
    const end = layer.end_dim < 0 ? layer.end_dim + rank : layer.end_dim;
    if (start === 1 && end === rank - 1)
      return ctx.graph.node('Flatten', [ctx.input], ctx.name, { axis: attr.int(1) });
    // Reshape to the merged shape; 0 keeps the batch dimension as it is.
    const per = [...ctx.inputShape];
    const merged = per.slice(start - 1, end).reduce((a, b) => a * b, 1);
    const shape = [0, ...per.slice(0, start - 1), merged, ...per.slice(end)];
    return ctx.graph.node(
      'Reshape',
      [ctx.input, ctx.graph.int64(`${ctx.name}_shape`, [shape.length], shape)],
      ctx.name,
    );
  },
  LayerNorm: (layer, ctx) => {
    const dims =
      typeof layer.normalized_shape === 'number' ? [layer.normalized_shape] : layer.normalized_shape;
    const size = dims.reduce((a, b) => a * b, 1);
    // LayerNormalization requires Scale: ones stand in when the layer has no affine parameters.
    const scale = layer.elementwise_affine
      ? ctx.param('weight')
      : ctx.graph.float(`${ctx.name}_ones`, dims, new Float32Array(size).fill(1));
    const inputs = layer.elementwise_affine ? [ctx.input, scale, ctx.param('bias')] : [ctx.input, scale];
    return ctx.graph.node('LayerNormalization', inputs, ctx.name, {
      axis: attr.int(-dims.length),
      epsilon: attr.float(layer.eps),
    });
  },
  BatchNorm1d: (layer, ctx) => batchNorm(layer, ctx),
  BatchNorm2d: (layer, ctx) => batchNorm(layer, ctx),
  // Eval mode: channel dropout passes its input through.
  Dropout2d: unary('Identity'),
  Unflatten: (layer, ctx) => {
    // Reshape to the unflattened shape; 0 keeps the batch dimension as it is.
    const rank = ctx.inputShape.length + 1;
    const dim = layer.dim < 0 ? layer.dim + rank : layer.dim;
    const per = [...ctx.inputShape];
    const sizes = [...layer.unflattened_size];
    const known = sizes.reduce((a, b) => (b === -1 ? a : a * b), 1);
    const resolved = sizes.map((d) => (d === -1 ? per[dim - 1] / known : d));
    const shape = [0, ...per.slice(0, dim - 1), ...resolved, ...per.slice(dim)];
    return ctx.graph.node(
      'Reshape',
      [ctx.input, ctx.graph.int64(`${ctx.name}_shape`, [shape.length], shape)],
      ctx.name,
    );
  },
  Conv1d: (layer, ctx) => conv(layer, 1, ctx),
  Conv2d: (layer, ctx) => conv(layer, 2, ctx),
  MaxPool1d: maxPool,
  MaxPool2d: maxPool,
  AvgPool1d: avgPool,
  AvgPool2d: avgPool,
  AdaptiveAvgPool1d: adaptivePool,
  AdaptiveAvgPool2d: adaptivePool,
  AdaptiveMaxPool2d: adaptivePool,
  Embedding: embedding,
  RNN: recurrent,
  LSTM: recurrent,
  GRU: recurrent,
  Select: select,
  Mean: mean,
  MultiheadAttention: attentionRefused,
  TransformerEncoderLayer: attentionRefused,
  TransformerEncoder: attentionRefused,
  PositionalEncoding: attentionRefused,
});

/** ONNX Conv with PyTorch's geometry; its pads list all the begins, then all the ends. */
function conv(
  layer: Extract<LayerSpec, { type: 'Conv1d' | 'Conv2d' }>,
  dims: number,
  ctx: LayerContext,
): string {
  const each = (v: number | readonly number[]) => (typeof v === 'number' ? Array(dims).fill(v) : [...v]);
  const kernel = each(layer.kernel_size);
  const dilation = each(layer.dilation);
  const pairs = convPadding(layer.padding, kernel, dilation);
  const pads = [...pairs.filter((_, i) => i % 2 === 0), ...pairs.filter((_, i) => i % 2 === 1)];
  const inputs = [ctx.input, ctx.param('weight')];
  if (layer.bias) inputs.push(ctx.param('bias'));
  return ctx.graph.node('Conv', inputs, ctx.name, {
    kernel_shape: attr.ints(kernel),
    strides: attr.ints(each(layer.stride)),
    pads: attr.ints(pads),
    dilations: attr.ints(dilation),
    group: attr.int(layer.groups),
  });
}

/**
 * BatchNorm in eval mode. With running statistics it is ONNX's BatchNormalization in inference
 * form; without (`track_running_stats: false`) PyTorch normalises with the batch's own statistics
 * even in eval mode, written out as ReduceMean over every axis but the channels'.
 */
function batchNorm(
  layer: { num_features: number; eps: number; affine: boolean; track_running_stats: boolean },
  ctx: LayerContext,
): string {
  const { graph, input: x, name } = ctx;
  const c = layer.num_features;
  const ones = () => new Float32Array(c).fill(1);
  if (layer.track_running_stats) {
    const scale = layer.affine ? ctx.param('weight') : graph.float(`${name}_scale`, [c], ones());
    const bias = layer.affine ? ctx.param('bias') : graph.float(`${name}_bias`, [c], new Float32Array(c));
    return graph.node(
      'BatchNormalization',
      [x, scale, bias, ctx.param('running_mean'), ctx.param('running_var')],
      name,
      { epsilon: attr.float(layer.eps) },
    );
  }
  const rank = ctx.inputShape.length + 1;
  const axes = [0, ...Array.from({ length: rank - 2 }, (_, k) => k + 2)];
  // Per-channel values broadcast against (N, C, *): shape (C, 1, …).
  const channelDims = [c, ...Array.from({ length: rank - 2 }, () => 1)];
  const reduce = { axes: attr.ints(axes), keepdims: attr.int(1) };
  const mean = graph.node('ReduceMean', [x], `${name}_mean`, reduce);
  const centered = graph.node('Sub', [x, mean], `${name}_centered`);
  const variance = graph.node(
    'ReduceMean',
    [graph.node('Mul', [centered, centered], `${name}_sq`)],
    `${name}_var`,
    reduce,
  );
  const std = graph.node(
    'Sqrt',
    [graph.node('Add', [variance, graph.scalar(`${name}_eps`, layer.eps)], `${name}_var_eps`)],
    `${name}_std`,
  );
  const normalized = graph.node('Div', [centered, std], layer.affine ? `${name}_normalized` : name);
  if (!layer.affine) return normalized;
  const scaled = graph.node('Mul', [normalized, ctx.param('weight', channelDims)], `${name}_scaled`);
  return graph.node('Add', [scaled, ctx.param('bias', channelDims)], name);
}
