/**
 * The safetensors download describes its model on its own: PyTorch (Debian's python3-torch) reads
 * it with a minimal safetensors reader, builds the nn.Sequential from `__metadata__.spec`, applies
 * `__metadata__.normalization`, and predicts what `POST /v1/jobs/{id}/predict` does, within 1e-5.
 */
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from '../../src/artifacts/safetensors.js';
import { modelMetadata } from '../../src/queue/job-result.js';
import { prepareData, toTensors } from '../../src/training/data.js';
import { predict } from '../../src/training/predict.js';
import { parseRunSpec } from '../../src/training/spec.js';
import { train } from '../../src/training/trainer.js';
import { useTestService } from '../helpers/service.js';
import {
  hasTorch,
  maxAbsDiff,
  servicePredict,
  torchPredict,
  trainedThroughApi,
} from '../helpers/torch-predict.js';

describe.skipIf(!hasTorch)('PyTorch round trip of the safetensors download', () => {
  // Inside the describe, so nothing starts when PyTorch is missing.
  const service = useTestService();

  /** Trains `layers` on iris through the API; returns the weights file and both predictions of `x`. */
  const roundTrip = async (layers: object[], x: number[][]) => {
    const { id, model } = await trainedThroughApi(service.url, {
      model: { layers },
      loss: { type: 'CrossEntropyLoss' },
      optimizer: { type: 'Adam', lr: 0.02 },
      data: { builtin: 'iris' },
      training: { epochs: 10, batch_size: 16, validation_split: 0.2, normalize: 'standard' },
    });
    return { model, torch: torchPredict(model, x), ours: await servicePredict(service.url, id, x) };
  };
  const x = [
    [5.1, 3.5, 1.4, 0.2],
    [6.2, 2.9, 4.3, 1.3],
    [7.7, 3.0, 6.1, 2.3],
    [0, 0, 0, 0],
  ];
  const expectSame = (torch: { outputs: number[][] }, ours: { outputs: number[][] }) =>
    expect(maxAbsDiff(torch.outputs, ours.outputs)).toBeLessThan(1e-5);

  it('rebuilds the model from the file alone and predicts like the service', async () => {
    const { torch, ours } = await roundTrip(
      [
        { type: 'Linear', in_features: 4, out_features: 16 },
        { type: 'Tanh' },
        { type: 'Linear', in_features: 16, out_features: 16 },
        { type: 'GELU' },
        { type: 'LayerNorm', normalized_shape: [16] },
        { type: 'Linear', in_features: 16, out_features: 3 },
      ],
      x,
    );
    expect(torch.labels).toEqual(['setosa', 'versicolor', 'virginica']);
    expectSame(torch, ours);
    expect(ours.predictions?.slice(0, 3)).toEqual([0, 1, 2]);
  });

  it('carries BatchNorm2d (running statistics, num_batches_tracked as I64), Unflatten and Dropout2d', async () => {
    const { model, torch, ours } = await roundTrip(
      [
        { type: 'Linear', in_features: 4, out_features: 12 },
        { type: 'Unflatten', dim: 1, unflattened_size: [3, 2, 2] },
        { type: 'BatchNorm2d', num_features: 3, momentum: null },
        { type: 'ReLU' },
        { type: 'Dropout2d', p: 0.2 },
        { type: 'Flatten' },
        { type: 'Linear', in_features: 12, out_features: 3 },
      ],
      x,
    );
    const { tensors } = decodeSafetensors(model);
    expect(tensors['2.num_batches_tracked']).toMatchObject({ dtype: 'I64', shape: [] });
    // 120 training samples in batches of 16: 8 steps an epoch, 10 epochs.
    expect(tensors['2.num_batches_tracked'].data[0]).toBe(80);
    expect(tensors['2.running_var'].shape).toEqual([3]);
    expect(Array.from(tensors['2.running_var'].data).every((v) => v !== 1)).toBe(true); // trained
    expectSame(torch, ours);
    expect(ours.predictions?.slice(0, 3)).toEqual([0, 1, 2]);
  });
});

describe.skipIf(!hasTorch)('PyTorch round trip of an image model trained on (N, C, H, W) inputs', () => {
  // Through the Trainer and the worker's own safetensors writing: the API takes 2-D x only so far.
  it('exports BatchNorm2d/Dropout2d weights that load_state_dict takes and predict the same', async () => {
    const spec = parseRunSpec({
      model: {
        layers: [
          { type: 'BatchNorm2d', num_features: 2 },
          { type: 'Dropout2d', p: 0.25 },
          { type: 'Flatten', start_dim: 2 },
          { type: 'Linear', in_features: 9, out_features: 4 },
          { type: 'ReLU' },
          { type: 'Unflatten', dim: 2, unflattened_size: [2, 2] },
          { type: 'BatchNorm2d', num_features: 2, affine: false, momentum: 0.3 },
          { type: 'Flatten' },
          { type: 'Linear', in_features: 8, out_features: 3 },
        ],
      },
      loss: { type: 'CrossEntropyLoss' },
      optimizer: { type: 'Adam', lr: 0.01 },
      training: { epochs: 5, batch_size: 8, seed: 2 },
    });
    const image = (i: number) =>
      [0, 1].map((c) => [0, 1, 2].map((h) => [0, 1, 2].map((w) => Math.cos(i * 0.9 + c - h * w) * (1 + c))));
    const x = Array.from({ length: 40 }, (_, i) => image(i));
    const y = x.map((_, i) => i % 3);
    const result = await train(spec, toTensors(spec, { x, y }));
    const tensors: Record<string, NamedTensor> = {};
    for (const [name, t] of Object.entries(result.stateDict))
      tensors[name] = { shape: t.shape, data: t.data };
    const file = encodeSafetensors(tensors, modelMetadata('job_test', spec.model, null, null));
    const probe = [image(100), image(101), image(102)];
    const torch = torchPredict(file, probe);
    const ours = predict(spec, result.stateDict, probe).outputs as number[][];
    expect(ours).toHaveLength(3);
    expect(maxAbsDiff(torch.outputs, ours)).toBeLessThan(1e-5);
    expect(decodeSafetensors(file).tensors['6.num_batches_tracked'].dtype).toBe('I64');
  });
  // Issue 15's proof: a trained Conv2d-BatchNorm2d-ReLU-MaxPool2d-Flatten-Linear, standardised inputs.
  it('a trained CNN loads with load_state_dict (strict) into the nn.Sequential and predicts the same', async () => {
    const spec = parseRunSpec({
      model: {
        layers: [
          { type: 'Conv2d', in_channels: 1, out_channels: 4, kernel_size: 3, padding: 1, bias: false },
          { type: 'BatchNorm2d', num_features: 4 },
          { type: 'ReLU' },
          { type: 'MaxPool2d', kernel_size: 2 },
          { type: 'Flatten' },
          { type: 'Linear', in_features: 4 * 3 * 3, out_features: 3 },
        ],
      },
      loss: { type: 'CrossEntropyLoss' },
      optimizer: { type: 'Adam', lr: 0.01 },
      training: { epochs: 4, batch_size: 8, seed: 5, normalize: 'standard' },
    });
    const image = (i: number) => [
      [0, 1, 2, 3, 4, 5, 6].map((h) =>
        [0, 1, 2, 3, 4, 5, 6].map((w) => Math.sin(i * 1.3 + h * 0.7 - w * (i % 3)) + h * 0.1),
      ),
    ];
    const x = Array.from({ length: 48 }, (_, i) => image(i));
    const y = x.map((_, i) => i % 3);
    const result = await train(spec, prepareData(spec, toTensors(spec, { x, y })));
    const tensors: Record<string, NamedTensor> = {};
    for (const [name, t] of Object.entries(result.stateDict))
      tensors[name] = { shape: t.shape, data: t.data };
    const summary = {
      stopReason: 'completed',
      bestEpoch: null,
      evaluation: null,
      normalization: result.normalization,
    };
    const file = encodeSafetensors(tensors, modelMetadata('job_cnn', spec.model, summary as never, null));
    const probe = [image(200), image(201), image(202), image(203)];
    const torch = torchPredict(file, probe);
    // Exactly PyTorch's names, the BatchNorm2d buffers included, and nothing else.
    expect(torch.state_dict_keys.sort()).toEqual(Object.keys(decodeSafetensors(file).tensors).sort());
    expect(torch.state_dict_keys).toEqual(
      expect.arrayContaining(['1.running_mean', '1.running_var', '1.num_batches_tracked', '0.weight']),
    );
    const { tensors: stored } = decodeSafetensors(file);
    expect(stored['1.num_batches_tracked']).toMatchObject({ dtype: 'I64', shape: [] });
    expect(stored['1.num_batches_tracked'].data[0]).toBe(4 * 6); // 48 samples in batches of 8, 4 epochs
    expect(stored['0.bias']).toBeUndefined();
    expect(Array.from(stored['1.running_var'].data).every((v) => v !== 1)).toBe(true); // trained
    const ours = predict(spec, result.stateDict, probe, { normalization: result.normalization })
      .outputs as number[][];
    const max = maxAbsDiff(torch.outputs, ours);
    console.log(`PyTorch vs predict, trained CNN: max |difference| ${max}`);
    expect(max).toBeLessThan(1e-5);
  });
});
