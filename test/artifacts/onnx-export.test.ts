/**
 * The exporter on inputs of more than one dimension per sample, which the service's data cannot
 * have yet but layers take (Linear on the last dimension, BatchNorm1d over (N, C, L), LayerNorm
 * over two dimensions, Flatten of a middle range): ONNX Runtime against the engine's own predict
 * (what the service's predict runs), from the same random weights and running statistics.
 */
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { exportOnnx, OnnxExportError } from '../../src/artifacts/onnx/export.js';
import { randn } from '../../src/engine/creation.js';
import { buildModel, parseModelSpec } from '../../src/engine/nn/registry.js';
import { Generator } from '../../src/engine/random.js';
import { predict } from '../../src/training/predict.js';

async function compare(layers: object[], sampleShape: number[], batch = 5, normalize = false) {
  const generator = new Generator(7);
  const model = buildModel({ layers }, generator);
  const state = model.stateDict();
  // Running statistics away from their initial 0 and 1, so they matter.
  for (const [key, t] of Object.entries(state)) {
    if (key.endsWith('running_mean')) t.data.set(randn(t.shape, { generator }).data);
    if (key.endsWith('running_var')) t.data.set(randn(t.shape, { generator }).data.map((v) => 0.5 + v * v));
  }
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const normalization = normalize
    ? {
        mean: Array.from(randn([size], { generator }).data),
        std: Array.from(randn([size], { generator }).data, (v) => 0.5 + Math.abs(v)),
      }
    : null;
  const x = randn([batch, ...sampleShape], { generator });
  const spec = {
    model: parseModelSpec({ layers }),
    loss: { type: 'MSELoss' as const, reduction: 'mean' as const },
  };
  const expected = predict(spec, state, x.toArray() as never, { normalization });

  const bytes = exportOnnx({
    layers: spec.model.layers,
    stateDict: Object.fromEntries(
      Object.entries(state).map(([k, t]) => [k, { shape: t.shape, data: t.data }]),
    ),
    sampleShape,
    normalization,
    predictions: { task: 'regression' },
    labels: null,
    name: 'test',
  });
  const session = await InferenceSession.create(bytes);
  const { output } = await session.run({ input: new Tensor('float32', x.data, [batch, ...sampleShape]) });
  const flat = (expected.outputs as unknown[]).flat(Number.POSITIVE_INFINITY as 1) as number[];
  expect(output.data.length).toBe(flat.length);
  let max = 0;
  for (let i = 0; i < flat.length; i++) max = Math.max(max, Math.abs((output.data[i] as number) - flat[i]));
  console.log(
    `ONNX Runtime vs the engine's predict, input ${JSON.stringify(sampleShape)}: max |difference| ${max}`,
  );
  return { max, dims: output.dims };
}

describe('ONNX export of multi-dimensional samples', () => {
  it('Linear on the last dimension (MatMul + Add), BatchNorm1d over (N, C, L), Flatten of the rest', async () => {
    const { max, dims } = await compare(
      [
        { type: 'Linear', in_features: 6, out_features: 4 },
        { type: 'BatchNorm1d', num_features: 3 },
        { type: 'GELU' },
        { type: 'BatchNorm1d', num_features: 3, track_running_stats: false },
        { type: 'Linear', in_features: 4, out_features: 5, bias: false },
        { type: 'BatchNorm1d', num_features: 3, affine: false, track_running_stats: false },
        { type: 'Flatten' },
        { type: 'Linear', in_features: 15, out_features: 2 },
      ],
      [3, 6],
      6,
      true,
    );
    expect(dims).toEqual([6, 2]);
    expect(max).toBeLessThanOrEqual(1e-5);
  });

  it('LayerNorm over two dimensions and Flatten of a middle range (Reshape)', async () => {
    const { max, dims } = await compare(
      [
        { type: 'LayerNorm', normalized_shape: [3, 4] },
        { type: 'Flatten', start_dim: 2, end_dim: 3 },
        { type: 'Linear', in_features: 12, out_features: 3 },
        { type: 'SiLU' },
        { type: 'LayerNorm', normalized_shape: [2, 3], elementwise_affine: false },
      ],
      [2, 3, 4],
    );
    expect(dims).toEqual([5, 2, 3]);
    expect(max).toBeLessThanOrEqual(1e-5);
  });

  // Each pool alone over odd sizes, so ceil_mode's overhang and the padding are exercised.
  it.each([
    [
      'MaxPool2d with padding, dilation and ceil_mode',
      { type: 'MaxPool2d', kernel_size: 3, stride: 2, padding: 1, dilation: [1, 2], ceil_mode: true },
    ],
    [
      'MaxPool2d, ceil_mode dropping a window in the right padding',
      { type: 'MaxPool2d', kernel_size: 2, stride: 2, padding: 1, ceil_mode: true },
    ],
    [
      'AvgPool2d counting padding, ceil_mode',
      { type: 'AvgPool2d', kernel_size: 3, stride: 2, padding: 1, ceil_mode: true },
    ],
    [
      'AvgPool2d not counting padding, ceil_mode',
      {
        type: 'AvgPool2d',
        kernel_size: [2, 3],
        stride: 2,
        padding: 1,
        ceil_mode: true,
        count_include_pad: false,
      },
    ],
    [
      'AvgPool2d with divisor_override',
      { type: 'AvgPool2d', kernel_size: 3, stride: 2, padding: 1, ceil_mode: true, divisor_override: 4 },
    ],
    ['AdaptiveAvgPool2d to 1 (GlobalAveragePool)', { type: 'AdaptiveAvgPool2d', output_size: 1 }],
    [
      'AdaptiveAvgPool2d to a divisor of the input (AveragePool)',
      { type: 'AdaptiveAvgPool2d', output_size: [3, null] },
    ],
    [
      'AdaptiveMaxPool2d to a divisor of the input (MaxPool)',
      { type: 'AdaptiveMaxPool2d', output_size: [1, 5] },
    ],
  ])('%s', async (_name, pool) => {
    const { max, dims } = await compare([pool, { type: 'Flatten' }], [2, 9, 5]);
    expect(dims[0]).toBe(5);
    expect(max).toBeLessThanOrEqual(1e-5);
  });

  it('MaxPool1d, AvgPool1d and AdaptiveAvgPool1d over (N, C, L)', async () => {
    const { max, dims } = await compare(
      [
        { type: 'MaxPool1d', kernel_size: 3, stride: 2, padding: 1, ceil_mode: true },
        { type: 'AvgPool1d', kernel_size: 2, stride: 1, padding: 1, ceil_mode: true },
        { type: 'AdaptiveAvgPool1d', output_size: 1 },
        { type: 'Flatten' },
      ],
      [3, 10],
    );
    expect(dims).toEqual([5, 3]);
    expect(max).toBeLessThanOrEqual(1e-5);
  });

  it('refuses an adaptive pool whose windows have unequal sizes', () => {
    const layers = parseModelSpec({ layers: [{ type: 'AdaptiveAvgPool2d', output_size: [2, 2] }] }).layers;
    expect(() =>
      exportOnnx({
        layers,
        stateDict: {},
        sampleShape: [1, 5, 4],
        normalization: null,
        predictions: { task: 'regression' },
        labels: null,
        name: 'test',
      }),
    ).toThrow(OnnxExportError);
  });
});
