/**
 * ONNX exporters of the sequence layers. Embedding is Cast (the float token ids to int64) and
 * Gather; RNN/LSTM/GRU are ONNX's RNN/LSTM/GRU operators, one node per layer, with the weights of
 * both directions stacked, and their output Y (L, D, N, H) laid out as PyTorch's (L, N, D·H).
 * The gate blocks are reordered: PyTorch's LSTM (i, f, g, o) is ONNX's (i, o, f, c), PyTorch's
 * GRU (r, z, n) is ONNX's (z, r, h), with linear_before_reset = 1 (PyTorch applies r after the
 * hidden product). ONNX's bias B is W_b then R_b per direction. Select is Gather with a scalar
 * index (which drops the axis), Mean is ReduceMean.
 */
import type { LayerSpec } from '../../engine/nn/registry.js';
import { type Attribute, attr, DataType } from './graph.js';
import type { LayerContext } from './layers.js';

type Recurrent = Extract<LayerSpec, { type: 'RNN' | 'LSTM' | 'GRU' }>;

/** ONNX block b takes PyTorch block ORDER[b]. */
const GATE_ORDER: Readonly<Record<Recurrent['type'], readonly number[]>> = {
  LSTM: [0, 3, 1, 2],
  GRU: [1, 0, 2],
  RNN: [0],
};

export function embedding(_layer: Extract<LayerSpec, { type: 'Embedding' }>, ctx: LayerContext): string {
  const ids = ctx.graph.node('Cast', [ctx.input], `${ctx.name}_ids`, { to: attr.int(DataType.INT64) });
  return ctx.graph.node('Gather', [ctx.param('weight'), ids], ctx.name, { axis: attr.int(0) });
}

export function select(layer: Extract<LayerSpec, { type: 'Select' }>, ctx: LayerContext): string {
  const rank = ctx.inputShape.length + 1;
  const dim = layer.dim < 0 ? layer.dim + rank : layer.dim;
  const size = ctx.inputShape[dim - 1];
  const index = layer.index < 0 ? layer.index + size : layer.index;
  return ctx.graph.node('Gather', [ctx.input, ctx.graph.int64(`${ctx.name}_index`, [], [index])], ctx.name, {
    axis: attr.int(dim),
  });
}

export function mean(layer: Extract<LayerSpec, { type: 'Mean' }>, ctx: LayerContext): string {
  return ctx.graph.node('ReduceMean', [ctx.input], ctx.name, {
    axes: attr.ints([layer.dim]),
    keepdims: attr.int(layer.keepdim ? 1 : 0),
  });
}

/** Rows of a (G·H, k) PyTorch weight with the gate blocks in ONNX order. */
function reorder(data: Float32Array, blocks: readonly number[], blockSize: number): Float32Array {
  const out = new Float32Array(data.length);
  blocks.forEach((src, dst) => {
    out.set(data.subarray(src * blockSize, (src + 1) * blockSize), dst * blockSize);
  });
  return out;
}

export function recurrent(layer: Recurrent, ctx: LayerContext): string {
  const { graph, name } = ctx;
  const h = layer.hidden_size;
  const order = GATE_ORDER[layer.type];
  const gh = order.length * h;
  const dirs = layer.bidirectional ? ['', '_reverse'] : [''];
  let x = layer.batch_first
    ? graph.node('Transpose', [ctx.input], `${name}_time_major`, { perm: attr.ints([1, 0, 2]) })
    : ctx.input;
  for (let l = 0; l < layer.num_layers; l++) {
    const inSize = l === 0 ? layer.input_size : h * dirs.length;
    const stack = (key: string, cols: number) => {
      const out = new Float32Array(dirs.length * gh * cols);
      dirs.forEach((sfx, d) => {
        out.set(reorder(ctx.tensor(`${key}_l${l}${sfx}`).data, order, h * cols), d * gh * cols);
      });
      return out;
    };
    const w = graph.float(`${name}_W_l${l}`, [dirs.length, gh, inSize], stack('weight_ih', inSize));
    const r = graph.float(`${name}_R_l${l}`, [dirs.length, gh, h], stack('weight_hh', h));
    const inputs = [x, w, r];
    if (layer.bias) {
      const wb = stack('bias_ih', 1);
      const rb = stack('bias_hh', 1);
      const b = new Float32Array(dirs.length * 2 * gh);
      for (let d = 0; d < dirs.length; d++) {
        b.set(wb.subarray(d * gh, (d + 1) * gh), d * 2 * gh);
        b.set(rb.subarray(d * gh, (d + 1) * gh), d * 2 * gh + gh);
      }
      inputs.push(graph.float(`${name}_B_l${l}`, [dirs.length, 2 * gh], b));
    }
    const attributes: Record<string, Attribute> = {
      hidden_size: attr.int(h),
      direction: attr.string(layer.bidirectional ? 'bidirectional' : 'forward'),
    };
    if (layer.type === 'GRU') attributes.linear_before_reset = attr.int(1);
    if (layer.type === 'RNN') {
      const act = layer.nonlinearity === 'relu' ? 'Relu' : 'Tanh';
      attributes.activations = attr.strings(dirs.map(() => act));
    }
    const y = graph.node(layer.type, inputs, `${name}_Y_l${l}`, attributes); // (L, D, N, H)
    const ordered = graph.node('Transpose', [y], `${name}_Y_l${l}_t`, { perm: attr.ints([0, 2, 1, 3]) });
    x = graph.node(
      'Reshape',
      [ordered, graph.int64(`${name}_shape_l${l}`, [3], [0, 0, -1])],
      `${name}_l${l}`,
    );
  }
  return layer.batch_first
    ? graph.node('Transpose', [x], name, { perm: attr.ints([1, 0, 2]) })
    : graph.node('Identity', [x], name);
}
