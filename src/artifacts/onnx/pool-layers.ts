/**
 * ONNX forms of the pooling layers, each exactly PyTorch's computation.
 *
 * ceil_mode is written as explicit extra end padding instead of ONNX's ceil_mode attribute, whose
 * output size lacks PyTorch's rule that the last window starts inside the input or left padding
 * (and differs between runtimes). Extra padding is -inf for MaxPool and uncounted for AveragePool
 * with count_include_pad 0. PyTorch's count_include_pad counts the real padding but not the
 * overhang past it, so that case pads zeros with a Pad node first and then averages the padded
 * input with count_include_pad 0. divisor_override is a sum (a depthwise Conv with ones) over the
 * divisor. Adaptive pools are GlobalAveragePool / GlobalMaxPool for an output of ones, AveragePool /
 * MaxPool where every input extent is a multiple of the output extent, and refused otherwise.
 */

import { adaptiveOutputSize, poolPerDim } from '../../engine/nn/pool.js';
import type { LayerSpec } from '../../engine/nn/registry.js';
import { poolOutputSize } from '../../engine/ops/pool.js';
import { OnnxExportError } from './errors.js';
import { attr } from './graph.js';
import type { LayerContext } from './layers.js';

type PoolSpec = Extract<LayerSpec, { type: 'MaxPool1d' | 'MaxPool2d' | 'AvgPool1d' | 'AvgPool2d' }>;
type AdaptiveSpec = Extract<
  LayerSpec,
  { type: 'AdaptiveAvgPool1d' | 'AdaptiveAvgPool2d' | 'AdaptiveMaxPool2d' }
>;

interface Geometry {
  kernel: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
  /** End padding beyond `padding` that makes floor mode give ceil_mode's output size. */
  extra: number[];
}

function geometry(layer: PoolSpec, spatial: readonly number[]): Geometry {
  const dims = spatial.length;
  const kernel = poolPerDim(layer.kernel_size, dims);
  const stride = poolPerDim(layer.stride ?? kernel, dims);
  const padding = poolPerDim(layer.padding, dims);
  const dilation = poolPerDim('dilation' in layer ? layer.dilation : 1, dims);
  const extra = spatial.map((size, d) => {
    const out = poolOutputSize(size, kernel[d], stride[d], padding[d], dilation[d], layer.ceil_mode);
    const reach = (out - 1) * stride[d] + dilation[d] * (kernel[d] - 1) + 1;
    return Math.max(0, reach - size - 2 * padding[d]);
  });
  return { kernel, stride, padding, dilation, extra };
}

export function maxPool(
  layer: Extract<PoolSpec, { type: 'MaxPool1d' | 'MaxPool2d' }>,
  ctx: LayerContext,
): string {
  const g = geometry(layer, ctx.inputShape.slice(1));
  return ctx.graph.node('MaxPool', [ctx.input], ctx.name, {
    kernel_shape: attr.ints(g.kernel),
    strides: attr.ints(g.stride),
    pads: attr.ints([...g.padding, ...g.padding.map((p, d) => p + g.extra[d])]),
    dilations: attr.ints(g.dilation),
  });
}

export function avgPool(
  layer: Extract<PoolSpec, { type: 'AvgPool1d' | 'AvgPool2d' }>,
  ctx: LayerContext,
): string {
  const g = geometry(layer, ctx.inputShape.slice(1));
  const divisor = 'divisor_override' in layer ? layer.divisor_override : null;
  if (divisor !== null) {
    // Σ window / divisor: zero padding adds nothing to the sum.
    const channels = ctx.inputShape[0];
    const size = g.kernel.reduce((a, b) => a * b, 1);
    const ones = ctx.graph.float(
      `${ctx.name}_ones`,
      [channels, 1, ...g.kernel],
      new Float32Array(channels * size).fill(1),
    );
    const sum = ctx.graph.node('Conv', [ctx.input, ones], `${ctx.name}_sum`, {
      kernel_shape: attr.ints(g.kernel),
      strides: attr.ints(g.stride),
      pads: attr.ints([...g.padding, ...g.padding.map((p, d) => p + g.extra[d])]),
      group: attr.int(channels),
    });
    return ctx.graph.node('Div', [sum, ctx.graph.scalar(`${ctx.name}_divisor`, divisor)], ctx.name);
  }
  const attrs = {
    kernel_shape: attr.ints(g.kernel),
    strides: attr.ints(g.stride),
    count_include_pad: attr.int(0),
  };
  const padded = layer.count_include_pad && g.padding.some((p) => p > 0);
  if (!padded)
    return ctx.graph.node('AveragePool', [ctx.input], ctx.name, {
      ...attrs,
      pads: attr.ints([...g.padding, ...g.padding.map((p, d) => p + g.extra[d])]),
    });
  // Pad's pads: begins then ends of every axis, batch and channel included.
  const pads = [0, 0, ...g.padding, 0, 0, ...g.padding];
  const zeroPadded = ctx.graph.node(
    'Pad',
    [ctx.input, ctx.graph.int64(`${ctx.name}_pads`, [pads.length], pads)],
    `${ctx.name}_pad`,
  );
  return ctx.graph.node('AveragePool', [zeroPadded], ctx.name, {
    ...attrs,
    pads: attr.ints([...g.padding.map(() => 0), ...g.extra]),
  });
}

export function adaptivePool(layer: AdaptiveSpec, ctx: LayerContext): string {
  const spatial = ctx.inputShape.slice(1);
  const out = adaptiveOutputSize(layer.output_size, spatial);
  const max = layer.type === 'AdaptiveMaxPool2d';
  if (out.every((d) => d === 1))
    return ctx.graph.node(max ? 'GlobalMaxPool' : 'GlobalAveragePool', [ctx.input], ctx.name);
  const uneven = spatial.findIndex((size, d) => size % out[d] !== 0);
  if (uneven >= 0)
    throw new OnnxExportError(
      `${layer.type} to output size (${out.join(', ')}) over input (${spatial.join(', ')}) has windows of unequal size, which no ONNX pool computes; make each input extent a multiple of the output's`,
    );
  const kernel = spatial.map((size, d) => size / out[d]);
  return ctx.graph.node(max ? 'MaxPool' : 'AveragePool', [ctx.input], ctx.name, {
    kernel_shape: attr.ints(kernel),
    strides: attr.ints(kernel),
  });
}
