/**
 * The activation memory one training step needs, from the layer specs, the per-sample input shape
 * and the batch size alone (no model is built), so a service can refuse a job that would exhaust
 * its worker before the job is queued.
 *
 * The model of memory, for a batch of B samples (float32 values, 4 bytes):
 *
 * - **Kept for the whole step.** The engine's autograd graph holds every op's output until the
 *   step ends (`releaseGraph`), and what each op saved for its backward with it:
 *   - the input batch;
 *   - each layer's output, except where it is a view of its input (Flatten, Unflatten, Identity)
 *     or the input itself (Dropout and Dropout2d with p = 0). A Linear (or convolution) followed by
 *     a ReLU, which the engine fuses into one op, is counted as two outputs;
 *   - saved for the backward: Dropout's mask (4 bytes per value), Dropout2d's (8 bytes per sample
 *     and channel), LayerNorm's x̂ (4 bytes per value) and 1/σ (8 per normalised group),
 *     BatchNorm's per-channel mean and 1/σ (16 bytes per channel), max pooling's argmax (8 bytes
 *     per output value), and a convolution's im2col columns over the whole batch:
 *     B × (C_in / groups × kernel size) × output positions × 4 bytes (an upper bound: an
 *     implementation that builds the columns in chunks of samples holds less);
 *   - the loss's saved values, at most 8 bytes per output value, and the loss gradient (4).
 * - **Transient in the backward pass**, one layer at a time: the gradient flowing into the layer
 *   and the one it passes on (4 bytes per value of its output and of its input), plus a
 *   convolution's column gradient (as large as its columns). The peak is the kept memory plus the
 *   largest such transient.
 *
 * Not counted: parameters, their gradients and optimizer state (MAX_PARAMETERS bounds those), the
 * training data itself, and the matrix kernel's packing buffers (bounded by its block size).
 *
 * A layer type without a rule here counts as keeping its output plus a saved buffer the size of
 * its input, which covers the elementwise ops and those that save their input. A layer whose output
 * shape the shape walk does not know (no shape rule) leaves the estimate unknown from there on:
 * `unknownAt` names it, and nothing is guessed.
 */
import type { IssuePath } from '../errors.js';
import { numel } from '../tensor.js';
import { graphOps, isGraphSpec } from './graph-spec.js';
import { type AnyModelSpec, checkModelShapes, type ModelStep } from './model-spec.js';
import type { LayerSpec } from './registry.js';

const F32 = 4;
const F64 = 8;

export interface LayerMemory {
  index: number;
  /** Where the layer or op is in the model spec (`layers[2]`, `nodes[3].layer`, `nodes[4]`). */
  path: IssuePath;
  type: string;
  /** Per-sample output shape. */
  outputShape: number[];
  /** Bytes the layer keeps until the step ends: its output and what it saves for its backward. */
  keptBytes: number;
  /** Bytes its backward holds while it runs: the two gradients and any scratch. */
  backwardBytes: number;
}

export interface ActivationMemory {
  batchSize: number;
  /**
   * Peak bytes of one training step: the input batch, every layer's kept bytes, the loss's, and the
   * largest backward transient. With `unknownAt` set, only the layers before it are counted.
   */
  bytes: number;
  inputBytes: number;
  lossBytes: number;
  layers: LayerMemory[];
  /** The index of the first layer whose output shape is not known from the spec, or null. */
  unknownAt: number | null;
  /** Its path and type. */
  unknown: { path: IssuePath; type: string } | null;
}

/** A layer list is the sequential form. */
const asModel = (model: AnyModelSpec | readonly LayerSpec[]): AnyModelSpec =>
  Array.isArray(model) ? { layers: [...model] } : (model as AnyModelSpec);

/**
 * For a model graph, every layer (a nested Sequential's one by one) and op counts as in a stack;
 * an op keeps its output (a reshape none: it is a view) and its backward holds the gradients of
 * its output and inputs.
 */
export function activationMemory(
  model: AnyModelSpec | readonly LayerSpec[],
  sampleShape: readonly number[],
  batchSize: number,
): ActivationMemory {
  const b = batchSize;
  const { steps, unknownAt } = checkModelShapes(asModel(model), sampleShape);
  const out: LayerMemory[] = steps.map((step, i) => ({ index: i, path: step.path, ...stepCost(step, b) }));
  const inputBytes = b * numel(sampleShape) * F32;
  const finalShape = steps.length === 0 ? sampleShape : outputOf(asModel(model), steps);
  const lossBytes = b * numel(finalShape) * (F64 + F32);
  const kept = out.reduce((sum, l) => sum + l.keptBytes, 0);
  const transient = out.reduce((max, l) => Math.max(max, l.backwardBytes), 0);
  return {
    batchSize: b,
    bytes: inputBytes + kept + lossBytes + transient,
    inputBytes,
    lossBytes,
    layers: out,
    unknownAt: unknownAt === null ? null : steps.length,
    unknown: unknownAt,
  };
}

/** The model's output shape: the last step's, or for a graph the output node's. */
function outputOf(model: AnyModelSpec, steps: readonly ModelStep[]): readonly number[] {
  if (!isGraphSpec(model)) return steps[steps.length - 1].output;
  const at = model.nodes.findIndex((n) => n.name === model.output);
  const own = steps.filter((s) => s.path[1] === at);
  return own.length > 0 ? own[own.length - 1].output : steps[steps.length - 1].output;
}

function stepCost(step: ModelStep, b: number): Omit<LayerMemory, 'index' | 'path'> {
  if (step.inputs.length === 1 && !isOp(step.spec.type))
    return layerActivationCost(step.spec, step.inputs[0], step.output, b);
  const outBytes = b * numel(step.output) * F32;
  const inBytes = step.inputs.reduce((sum, s) => sum + b * numel(s) * F32, 0);
  return {
    type: step.spec.type,
    outputShape: [...step.output],
    keptBytes: step.spec.type === 'reshape' ? 0 : outBytes,
    backwardBytes: outBytes + inBytes,
  };
}

const isOp = (type: string) => (graphOps as string[]).includes(type);

/**
 * Peak bytes per sample of a forward pass that records no graph (evaluation, predict): each
 * layer's output is garbage once the next layer has read it, so at most one layer's input and
 * output live at once, with what the layer builds while it runs (a convolution's columns). Null
 * when a layer's output shape is not known. In a graph, a value read later (a residual) stays
 * alive, so every op and layer counts with all its inputs, plus the graph input.
 */
export function inferenceBytesPerSample(
  model: AnyModelSpec | readonly LayerSpec[],
  sampleShape: readonly number[],
): number | null {
  const spec = asModel(model);
  const { steps, unknownAt, issues } = checkModelShapes(spec, sampleShape);
  if (unknownAt !== null || issues.length > 0) return null;
  const graph = isGraphSpec(spec);
  let peak = numel(sampleShape) * F32;
  for (const step of steps) {
    const layer = step.spec as unknown as Record<string, unknown>;
    const isConv = layer.type === 'Conv1d' || layer.type === 'Conv2d';
    const columns = isConv ? convColumnsPerSample(layer, step.output) : 0;
    const ins = step.inputs.reduce((sum, s) => sum + numel(s), 0);
    const live = graph ? numel(sampleShape) : 0;
    peak = Math.max(peak, (ins + numel(step.output) + columns + live) * F32);
  }
  return peak;
}

/**
 * One layer's share for a batch of `b`, from its spec and its per-sample input and output shapes.
 * The spec is read loosely, so it also takes layer types this registry's union does not list.
 */
export function layerActivationCost(
  layer: LayerSpec | { type: string },
  input: readonly number[],
  output: readonly number[],
  b: number,
): Omit<LayerMemory, 'index' | 'path'> {
  const { kept, scratch } = keptAndScratch(layer as unknown as Record<string, unknown>, input, output, b);
  return {
    type: layer.type,
    outputShape: [...output],
    keptBytes: kept,
    backwardBytes: b * (numel(input) + numel(output)) * F32 + scratch,
  };
}

/** What one layer keeps (output and saved buffers) and its backward's scratch, in bytes. */
function keptAndScratch(
  spec: Record<string, unknown>,
  input: readonly number[],
  output: readonly number[],
  b: number,
): { kept: number; scratch: number } {
  const outBytes = b * numel(output) * F32;
  switch (spec.type as string) {
    case 'Flatten':
    case 'Unflatten':
    case 'Identity':
      return { kept: 0, scratch: 0 };
    case 'Dropout':
      return spec.p === 0 ? { kept: 0, scratch: 0 } : { kept: 2 * outBytes, scratch: 0 };
    case 'Dropout2d':
      return spec.p === 0 ? { kept: 0, scratch: 0 } : { kept: outBytes + b * output[0] * F64, scratch: 0 };
    case 'Linear':
    case 'ReLU':
    case 'LeakyReLU':
    case 'Sigmoid':
    case 'Tanh':
    case 'GELU':
    case 'ELU':
    case 'SiLU':
    case 'Softplus':
    case 'AvgPool1d':
    case 'AvgPool2d':
    case 'AdaptiveAvgPool1d':
    case 'AdaptiveAvgPool2d':
      return { kept: outBytes, scratch: 0 };
    case 'BatchNorm1d':
    case 'BatchNorm2d':
      return { kept: outBytes + 2 * output[0] * F64, scratch: 0 };
    case 'LayerNorm': {
      const normalized = numel(
        typeof spec.normalized_shape === 'number'
          ? [spec.normalized_shape]
          : (spec.normalized_shape as number[]),
      );
      return { kept: 2 * outBytes + (b * numel(output) * F64) / Math.max(normalized, 1), scratch: 0 };
    }
    case 'MaxPool1d':
    case 'MaxPool2d':
    case 'AdaptiveMaxPool1d':
    case 'AdaptiveMaxPool2d':
      return { kept: outBytes + b * numel(output) * F64, scratch: 0 };
    case 'Conv1d':
    case 'Conv2d': {
      const columns = b * convColumnsPerSample(spec, output) * F32;
      return { kept: outBytes + columns, scratch: columns };
    }
    case 'Embedding':
    case 'Select':
    case 'Mean':
      return { kept: outBytes, scratch: 0 };
    case 'RNN':
    case 'LSTM':
    case 'GRU':
      return recurrentCost(spec, output, b);
    case 'PositionalEncoding':
      return { kept: droppedBytes(spec.dropout, 3 * outBytes, outBytes), scratch: 0 };
    case 'MultiheadAttention':
    case 'TransformerEncoderLayer':
    case 'TransformerEncoder':
      return attentionCost(spec, output, b);
    default:
      return { kept: outBytes + b * numel(input) * F32, scratch: 0 };
  }
}

/** Bytes with a dropout of probability `p` after a value (its mask and output), or without. */
function droppedBytes(p: unknown, withDropout: number, without: number): number {
  return typeof p === 'number' && p > 0 ? withDropout : without;
}

/**
 * The attention layers (ops/attention.ts) for a per-sample (L, E) input; with batch_first false
 * the service's batch dimension is the sequence, so the attention runs over B steps for L
 * "samples". MultiheadAttention keeps the packed q|k|v (3E per row), the attention weights
 * (samples × heads × steps², twice with dropout), the heads' output and the out-projection's;
 * its backward's scratch is the q|k|v gradient. An encoder layer adds, per row, dropout1
 * (mask and output), the residual sum and LayerNorm (x̂ and output, 1/σ) twice, the feed-forward's
 * linear1 (and GELU's output; a ReLU is fused), its dropout, linear2 and dropout2; its scratch is
 * the larger of the attention's and linear1's gradient. An encoder is num_layers of them and
 * its final norm.
 */
function attentionCost(
  spec: Record<string, unknown>,
  output: readonly number[],
  b: number,
): { kept: number; scratch: number } {
  const layer = (spec.type === 'TransformerEncoder' ? spec.encoder_layer : spec) as Record<string, unknown>;
  const batchFirst = layer.batch_first === true;
  const [l, e] = output;
  const rows = b * l;
  const heads = Number(layer.num_heads ?? layer.nhead ?? 1);
  const [samples, steps] = batchFirst ? [b, l] : [l, b];
  const p = layer.dropout;
  const weights = samples * heads * steps * steps;
  const mha = rows * 3 * e + droppedBytes(p, 2, 1) * weights + 2 * rows * e;
  let kept = mha;
  let scratch = rows * 3 * e;
  if (spec.type !== 'MultiheadAttention') {
    const ff = Number(layer.dim_feedforward ?? 2048);
    const norms = 2 * (2 * rows * e + rows * 2); // x̂ and output, 1/σ as float64
    const residuals = 2 * rows * e;
    const dropouts = droppedBytes(p, 2 * rows * e * 2 + 2 * rows * ff, 0);
    const feedForward = rows * ff * (layer.activation === 'gelu' ? 2 : 1) + rows * e;
    kept += norms + residuals + dropouts + feedForward;
    scratch = Math.max(scratch, rows * ff);
  }
  if (spec.type === 'TransformerEncoder') {
    kept *= Number(spec.num_layers ?? 1);
    if (spec.norm !== null && spec.norm !== undefined) kept += 2 * rows * e + rows * 2;
  }
  return { kept: kept * F32, scratch: scratch * F32 };
}

/** (C_in / groups × kernel size) × output positions: one sample's im2col columns. */
function convColumnsPerSample(spec: Record<string, unknown>, output: readonly number[]): number {
  const positive = (v: unknown, fallback: number) => (typeof v === 'number' && v > 0 ? v : fallback);
  const spatial = output.slice(1);
  const kernel = Array.isArray(spec.kernel_size)
    ? numel(spec.kernel_size as number[])
    : positive(spec.kernel_size, 1) ** spatial.length;
  const rows = (positive(spec.in_channels, 1) / positive(spec.groups, 1)) * kernel;
  return rows * numel(spatial);
}

/**
 * A recurrent layer (ops/recurrent.ts), per layer and direction over steps × batch = B × L rows:
 * its output h (H per row), the activated gates (G·H: LSTM 4, GRU 3, none kept for RNN), the cells
 * of an LSTM and their tanh (H each), the hidden part of a GRU's n (H); per layer the concatenated directions, and
 * Dropout's mask and output between layers (batch_first needs no copies: the op keeps x's layout). The
 * backward's scratch is one direction's gate gradients (twice for GRU) and its previous states.
 */
function recurrentCost(
  spec: Record<string, unknown>,
  output: readonly number[],
  b: number,
): { kept: number; scratch: number } {
  const rows = b * output[0];
  const hidden = typeof spec.hidden_size === 'number' ? spec.hidden_size : 1;
  const layers = typeof spec.num_layers === 'number' ? spec.num_layers : 1;
  const directions = spec.bidirectional === true ? 2 : 1;
  const gates = spec.type === 'LSTM' ? 4 : spec.type === 'GRU' ? 3 : 1;
  const savedGates = spec.type === 'RNN' ? 0 : gates * hidden;
  const extra = spec.type === 'LSTM' ? 2 * hidden : spec.type === 'GRU' ? hidden : 0; // cells and tanh(c), or GRU's hn
  let kept = layers * directions * rows * (hidden + savedGates + extra);
  if (directions === 2) kept += layers * rows * 2 * hidden;
  if (typeof spec.dropout === 'number' && spec.dropout > 0)
    kept += (layers - 1) * 2 * rows * directions * hidden;
  const scratch = rows * (gates * hidden * (spec.type === 'GRU' ? 2 : 1) + hidden);
  return { kept: kept * F32, scratch: scratch * F32 };
}
