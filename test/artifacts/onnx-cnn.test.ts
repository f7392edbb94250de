/**
 * ONNX export of trained convolutional models. Each model kind is trained on (N, C, L) or
 * (N, C, H, W) samples by the Trainer, its weights written as the worker writes them (safetensors
 * with the spec, normalisation and labels in the metadata) and exported by the route's own
 * function (onnxFromSafetensors); ONNX Runtime (onnxruntime-node) then runs the file and gives what
 * the engine's predict gives: outputs within 1e-5 and predictions equal. Where Debian's
 * python3-onnx is installed its full checker validates every file too. (The API's `data.x` takes
 * rows only so far, hence the level below it; `cnn_from_flat_rows` is a model the API trains now.)
 *
 * Together the kinds use every convolutional layer and option: Conv1d/Conv2d with stride, int,
 * per-dim, "same" (also asymmetric, for an even kernel) and "valid" padding, dilation, groups,
 * depthwise, bias=False; every pool with padding, dilation, ceil_mode and count_include_pad both
 * ways; the adaptive pools; BatchNorm2d with running statistics (and without); Dropout2d in eval;
 * Flatten (all and a middle range), Unflatten; the input standardisation folded into the graph.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportOnnx } from '../../src/artifacts/onnx/export.js';
import { onnxFromSafetensors } from '../../src/artifacts/onnx/from-safetensors.js';
import { decodeModel } from '../../src/artifacts/onnx/proto.js';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from '../../src/artifacts/safetensors.js';
import type { LayerSpec } from '../../src/engine/nn/registry.js';
import { Generator } from '../../src/engine/random.js';
import type { NestedArray } from '../../src/engine/tensor.js';
import { modelMetadata } from '../../src/queue/job-result.js';
import { prepareData, toTensors } from '../../src/training/data.js';
import { predict } from '../../src/training/predict.js';
import { parseRunSpec, type RunSpec } from '../../src/training/spec.js';
import { train } from '../../src/training/trainer.js';
import { expectOnnxChecks, hasOnnxChecker } from '../helpers/onnx-checker.js';

const TOLERANCE = 1e-5;

/** Seeded standard-normal samples of the given per-sample shape, as nested arrays. */
function samples(n: number, shape: number[], seed: number, scale = 1): NestedArray[] {
  const rng = new Generator(seed);
  const build = (dims: number[]): NestedArray =>
    dims.length === 0 ? rng.normal() * scale : Array.from({ length: dims[0] }, () => build(dims.slice(1)));
  return Array.from({ length: n }, () => build(shape));
}
const sumOf = (v: NestedArray): number =>
  Array.isArray(v) ? v.reduce((a: number, b) => a + sumOf(b), 0) : (v as number);

const conv2d = (in_channels: number, out_channels: number, kernel_size: number | number[], extra = {}) => ({
  type: 'Conv2d',
  in_channels,
  out_channels,
  kernel_size,
  ...extra,
});
const conv1d = (in_channels: number, out_channels: number, kernel_size: number, extra = {}) => ({
  type: 'Conv1d',
  in_channels,
  out_channels,
  kernel_size,
  ...extra,
});
const linear = (in_features: number, out_features: number) => ({ type: 'Linear', in_features, out_features });

interface Kind {
  layers: object[];
  loss: object;
  sample: number[];
  /** Targets from the samples. */
  y: (x: NestedArray[]) => unknown[];
  normalize?: boolean;
  labels?: string[];
  /** ONNX operators the graph must contain. */
  ops: string[];
}

const threeClasses = (x: NestedArray[]) => x.map((s) => (sumOf(s) > 1 ? 2 : sumOf(s) > -1 ? 1 : 0));

const KINDS: Record<string, Kind> = {
  // The README's kind of image classifier, on odd sizes, standardised inputs, with class names.
  conv2d_batchnorm_relu_maxpool_linear_normalized: {
    layers: [
      conv2d(1, 4, 3, { padding: 1, bias: false }),
      { type: 'BatchNorm2d', num_features: 4 },
      { type: 'ReLU' },
      { type: 'MaxPool2d', kernel_size: 2 },
      conv2d(4, 6, 3, { padding: 1 }),
      { type: 'ReLU' },
      { type: 'MaxPool2d', kernel_size: 2 },
      { type: 'Flatten' },
      linear(6 * 1 * 2, 3),
    ],
    loss: { type: 'CrossEntropyLoss' },
    sample: [1, 7, 9],
    y: threeClasses,
    normalize: true,
    labels: ['low', 'middle', 'high'],
    ops: ['Sub', 'Div', 'Conv', 'BatchNormalization', 'MaxPool', 'Flatten', 'Gemm', 'ArgMax'],
  },
  conv2d_stride_padding_dilation_regression: {
    layers: [
      conv2d(2, 4, [3, 2], { stride: [2, 1], padding: [1, 2] }),
      { type: 'Tanh' },
      conv2d(4, 4, 3, { dilation: 2, padding: 2 }),
      { type: 'GELU' },
      conv2d(4, 3, [2, 3], { stride: 2, dilation: [1, 3] }),
      { type: 'Flatten', start_dim: 2 },
      linear(6, 2),
      { type: 'Flatten' },
      linear(6, 2),
    ],
    loss: { type: 'MSELoss' },
    sample: [2, 9, 8],
    y: (x) => x.map((s) => [sumOf(s) / 10, Math.tanh(sumOf(s))]),
    ops: ['Conv', 'Reshape', 'MatMul'],
  },
  conv2d_same_valid_groups_depthwise_dropout2d: {
    layers: [
      conv2d(4, 6, 3, { groups: 2, padding: 'same' }),
      { type: 'ReLU' },
      // An even kernel: "same" pads one before and two after.
      conv2d(6, 6, 4, { padding: 'same', groups: 6, bias: false }),
      { type: 'Dropout2d', p: 0.3 },
      conv2d(6, 4, [2, 3], { padding: 'valid', dilation: [2, 1] }),
      { type: 'SiLU' },
      { type: 'AdaptiveAvgPool2d', output_size: 1 },
      { type: 'Flatten' },
      linear(4, 3),
    ],
    loss: { type: 'CrossEntropyLoss' },
    sample: [4, 6, 5],
    y: threeClasses,
    ops: ['Conv', 'GlobalAveragePool'],
  },
  conv1d_pools_binary: {
    layers: [
      conv1d(2, 4, 3, { stride: 2, padding: 1 }),
      { type: 'ReLU' },
      { type: 'MaxPool1d', kernel_size: 3, stride: 2, padding: 1, dilation: 2, ceil_mode: true },
      conv1d(4, 4, 4, { padding: 'same', dilation: 2, bias: false }),
      { type: 'BatchNorm1d', num_features: 4 },
      { type: 'AvgPool1d', kernel_size: 3, stride: 2, padding: 1, ceil_mode: true },
      conv1d(4, 3, 2, { groups: 1, padding: 'valid' }),
      { type: 'AvgPool1d', kernel_size: 2, stride: 1, padding: 1, count_include_pad: false, ceil_mode: true },
      { type: 'AdaptiveAvgPool1d', output_size: 2 },
      { type: 'Flatten' },
      linear(6, 1),
    ],
    loss: { type: 'BCEWithLogitsLoss' },
    sample: [2, 23],
    y: (x) => x.map((s) => [sumOf(s) > 0 ? 1 : 0]),
    normalize: true,
    ops: ['Conv', 'MaxPool', 'AveragePool', 'BatchNormalization', 'Pad', 'Greater'],
  },
  pools_2d_ceil_mode_count_include_pad_adaptive_max: {
    layers: [
      conv2d(1, 3, 3),
      { type: 'MaxPool2d', kernel_size: 3, stride: 2, padding: 1, dilation: [1, 2], ceil_mode: true },
      { type: 'AvgPool2d', kernel_size: 2, stride: 1, padding: 1, ceil_mode: true, count_include_pad: false },
      { type: 'AvgPool2d', kernel_size: 3, stride: 2, padding: 1, ceil_mode: true },
      { type: 'AvgPool2d', kernel_size: [1, 2], stride: 1, divisor_override: 3 },
      { type: 'AdaptiveMaxPool2d', output_size: [2, 1] },
      { type: 'Flatten' },
      linear(6, 3),
    ],
    loss: { type: 'CrossEntropyLoss' },
    sample: [1, 13, 11],
    y: threeClasses,
    ops: ['Conv', 'MaxPool', 'AveragePool', 'Pad'],
  },
  adaptive_pools_to_divisors: {
    layers: [
      conv2d(2, 3, 1),
      { type: 'AdaptiveMaxPool2d', output_size: [4, 3] },
      { type: 'AdaptiveAvgPool2d', output_size: [2, null] },
      { type: 'Flatten', start_dim: 2 },
      { type: 'AdaptiveAvgPool1d', output_size: 3 },
      { type: 'Unflatten', dim: 2, unflattened_size: [3, 1] },
      { type: 'AdaptiveMaxPool2d', output_size: 1 },
      { type: 'Flatten' },
      linear(3, 2),
    ],
    loss: { type: 'CrossEntropyLoss' },
    sample: [2, 8, 6],
    y: (x) => x.map((s) => (sumOf(s) > 0 ? 1 : 0)),
    ops: ['MaxPool', 'AveragePool', 'GlobalMaxPool'],
  },
  batchnorm2d_forms_unflatten: {
    layers: [
      conv2d(3, 4, 3, { padding: 1 }),
      { type: 'BatchNorm2d', num_features: 4, momentum: null, eps: 1e-3 },
      { type: 'ReLU' },
      { type: 'BatchNorm2d', num_features: 4, affine: false, momentum: 0.3 },
      { type: 'Flatten', start_dim: 2 },
      { type: 'Unflatten', dim: 2, unflattened_size: [5, -1] },
      { type: 'BatchNorm2d', num_features: 4, track_running_stats: false },
      { type: 'Dropout2d', p: 0.5 },
      { type: 'Flatten' },
      linear(4 * 5 * 5, 3),
    ],
    loss: { type: 'CrossEntropyLoss' },
    sample: [3, 5, 5],
    y: threeClasses,
    ops: ['BatchNormalization', 'ReduceMean', 'Reshape'],
  },
  cnn_from_flat_rows: {
    layers: [
      { type: 'Unflatten', dim: 1, unflattened_size: [1, 4, 5] },
      conv2d(1, 4, 2),
      { type: 'BatchNorm2d', num_features: 4 },
      { type: 'ReLU' },
      { type: 'MaxPool2d', kernel_size: 2, ceil_mode: true },
      { type: 'Flatten' },
      linear(4 * 2 * 2, 3),
    ],
    loss: { type: 'CrossEntropyLoss' },
    sample: [20],
    y: threeClasses,
    normalize: true,
    ops: ['Reshape', 'Conv', 'BatchNormalization', 'MaxPool'],
  },
};

interface Trained {
  spec: RunSpec;
  file: Uint8Array;
  stateDict: Awaited<ReturnType<typeof train>>['stateDict'];
  normalization: Awaited<ReturnType<typeof train>>['normalization'];
}

async function trainKind(kind: Kind, seed: number): Promise<Trained> {
  const spec = parseRunSpec({
    model: { layers: kind.layers },
    loss: kind.loss,
    optimizer: { type: 'Adam', lr: 0.01 },
    training: { epochs: 3, batch_size: 8, seed, ...(kind.normalize ? { normalize: 'standard' } : {}) },
  });
  const x = samples(32, kind.sample, seed, 2);
  const result = await train(spec, prepareData(spec, toTensors(spec, { x, y: kind.y(x) as never })));
  const tensors: Record<string, NamedTensor> = {};
  for (const [name, t] of Object.entries(result.stateDict)) tensors[name] = { shape: t.shape, data: t.data };
  const summary = {
    stopReason: 'completed',
    bestEpoch: null,
    evaluation: null,
    normalization: result.normalization,
  };
  const file = encodeSafetensors(
    tensors,
    modelMetadata(`job_${seed}`, spec.model, summary as never, kind.labels ?? null),
  );
  return { spec, file, stateDict: result.stateDict, normalization: result.normalization };
}

describe('ONNX export of convolutional models', () => {
  let dir: string;
  const trained: Record<string, Trained> = {};
  const differences: Record<string, number> = {};
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trainyard-onnx-cnn-'));
    let seed = 1;
    for (const [name, kind] of Object.entries(KINDS)) trained[name] = await trainKind(kind, seed++);
  }, 120_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    console.log(
      `ONNX Runtime vs predict (convolutional models), max |difference| per model kind: ${JSON.stringify(differences)}`,
    );
  });

  it('uses every convolutional layer type', () => {
    const types = new Set(
      Object.values(KINDS).flatMap((k) => k.layers.map((l) => (l as { type: string }).type)),
    );
    for (const type of [
      'Conv1d',
      'Conv2d',
      'MaxPool1d',
      'MaxPool2d',
      'AvgPool1d',
      'AvgPool2d',
      'AdaptiveAvgPool1d',
      'AdaptiveAvgPool2d',
      'AdaptiveMaxPool2d',
      'BatchNorm2d',
      'Dropout2d',
      'Flatten',
      'Unflatten',
    ])
      expect(types).toContain(type);
  });

  it.each(Object.keys(KINDS))('%s: ONNX Runtime computes what predict does', async (name) => {
    const kind = KINDS[name];
    const { spec, file, stateDict, normalization } = trained[name];
    const bytes = onnxFromSafetensors(file, spec, { sampleShape: kind.sample, name: `job_${name}` });
    const model = decodeModel(bytes) as {
      graph: { node: { op_type: string }[] };
      metadata_props: { key: string; value: string }[];
    };
    const ops = new Set(model.graph.node.map((n) => n.op_type));
    for (const op of kind.ops) expect(ops).toContain(op);
    const props = Object.fromEntries(model.metadata_props.map((p) => [p.key, p.value]));
    if (kind.labels !== undefined) expect(JSON.parse(props.labels)).toEqual(kind.labels);
    expect(props.normalization_in_graph).toBe(kind.normalize ? 'true' : undefined);

    const x = samples(9, kind.sample, 100, 2.5);
    const ours = predict(spec, stateDict, x, { normalization });
    const session = await InferenceSession.create(bytes);
    const flatX = Float32Array.from(x.flat(Number.POSITIVE_INFINITY as 1) as number[]);
    const results = await session.run({ input: new Tensor('float32', flatX, [x.length, ...kind.sample]) });
    const expected = (ours.outputs as unknown[]).flat(Number.POSITIVE_INFINITY as 1) as number[];
    expect(results.output.dims[0]).toBe(x.length);
    expect(results.output.data.length).toBe(expected.length);
    let max = 0;
    for (let i = 0; i < expected.length; i++)
      max = Math.max(max, Math.abs((results.output.data[i] as number) - expected[i]));
    differences[name] = max;
    expect(max).toBeLessThanOrEqual(TOLERANCE);
    if (ours.predictions === undefined) expect(Object.keys(results)).toEqual(['output']);
    else {
      const predicted = Array.from(results.predictions.data as BigInt64Array, Number);
      expect(predicted).toEqual((ours.predictions as unknown[]).flat(Number.POSITIVE_INFINITY as 1));
    }

    if (hasOnnxChecker) {
      const path = join(dir, `${name}.onnx`);
      writeFileSync(path, bytes);
      expect(expectOnnxChecks(path).opset).toBe(17);
    }
  });
  it('per-channel statistics of (C, H, W) samples broadcast over each channel (as torchvision Normalize)', async () => {
    const { spec, file, stateDict } = trained.conv2d_same_valid_groups_depthwise_dropout2d;
    const [c, h, w] = KINDS.conv2d_same_valid_groups_depthwise_dropout2d.sample;
    const perChannel = { mean: [0.5, -1, 2, 0.25], std: [2, 0.5, 1.5, 3] };
    // The same transform per element, which the engine's predict applies.
    const perElement = {
      mean: perChannel.mean.flatMap((m) => Array(h * w).fill(m)),
      std: perChannel.std.flatMap((d) => Array(h * w).fill(d)),
    };
    const { tensors } = decodeSafetensors(file);
    const bytes = exportOnnx({
      layers: (spec.model as { layers: LayerSpec[] }).layers,
      stateDict: tensors,
      sampleShape: [c, h, w],
      normalization: perChannel,
      predictions: { task: 'multiclass' },
      labels: null,
      name: 'per_channel',
    });
    const x = samples(4, [c, h, w], 5, 3);
    const ours = predict(spec, stateDict, x, { normalization: perElement });
    const session = await InferenceSession.create(bytes);
    const flatX = Float32Array.from(x.flat(Number.POSITIVE_INFINITY as 1) as number[]);
    const { output } = await session.run({ input: new Tensor('float32', flatX, [4, c, h, w]) });
    const expected = (ours.outputs as unknown[]).flat(Number.POSITIVE_INFINITY as 1) as number[];
    let max = 0;
    for (let i = 0; i < expected.length; i++)
      max = Math.max(max, Math.abs((output.data[i] as number) - expected[i]));
    expect(max).toBeLessThanOrEqual(TOLERANCE);
  });
});
