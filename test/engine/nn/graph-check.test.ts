/**
 * The graph checks a job's model gets before it is queued: each bad graph is refused with the
 * path of the node at fault (`model.nodes[3].inputs[1]`), through the same validation a
 * submitted job gets.
 */
import { describe, expect, it } from 'vitest';
import { formatPath } from '../../../src/engine/errors.js';
import { buildAnyModel } from '../../../src/engine/nn/model-spec.js';
import { Generator } from '../../../src/engine/random.js';
import { validateJobRequest } from '../../../src/service/job-spec.js';

const limits = { maxSamples: 1000, maxEpochs: 100 };
const conv = (i: number, o: number) => ({
  type: 'Conv2d',
  in_channels: i,
  out_channels: o,
  kernel_size: 3,
  padding: 1,
});
/** A residual block on (N, 2, 4, 4) images; `edit` changes it. */
function job(edit: (nodes: Record<string, unknown>[]) => void = () => {}, output = 'head') {
  const nodes: Record<string, unknown>[] = [
    { name: 'conv1', layer: conv(2, 2), input: 'x' },
    { name: 'bn1', layer: { type: 'BatchNorm2d', num_features: 2 }, input: 'conv1' },
    { name: 'sum', op: 'add', inputs: ['bn1', 'x'] },
    { name: 'relu', layer: { type: 'ReLU' }, input: 'sum' },
    { name: 'pooled', op: 'mean', input: 'relu', dim: [2, 3] },
    { name: 'head', layer: { type: 'Linear', in_features: 2, out_features: 3 }, input: 'pooled' },
  ];
  edit(nodes);
  const x = Array.from({ length: 4 }, (_, n) =>
    Array.from({ length: 2 }, (_, c) =>
      Array.from({ length: 4 }, (_, h) => Array.from({ length: 4 }, (_, w) => n + c + h - w)),
    ),
  );
  return {
    model: { inputs: ['x'], nodes, output },
    loss: { type: 'CrossEntropyLoss' },
    optimizer: { type: 'SGD', lr: 0.1 },
    training: { epochs: 1, batch_size: 2 },
    data: { x, y: [0, 1, 2, 0] },
  };
}
function issues(body: unknown): [string, string][] {
  const outcome = validateJobRequest(body, limits);
  return outcome.ok ? [] : outcome.issues.map((i) => [formatPath(i.path), i.message]);
}

describe('model graph validation', () => {
  it('accepts a residual block', () => {
    expect(issues(job())).toEqual([]);
  });

  it('names an unknown input, a duplicate name and an unknown output', () => {
    expect(issues(job((n) => ((n[2].inputs as string[])[1] = 'y')))).toEqual([
      ['model.nodes[2].inputs[1]', "unknown node 'y'; known: x, conv1, bn1, sum, relu, pooled, head"],
    ]);
    expect(issues(job((n) => (n[1].name = 'conv1')))[0]).toEqual([
      'model.nodes[1].name',
      "duplicate node name 'conv1' (also nodes[0])",
    ]);
    expect(issues(job((n) => (n[0].name = 'x')))[0][0]).toBe('model.nodes[0].name');
    expect(issues(job(() => {}, 'nope'))[0][0]).toBe('model.output');
  });

  it('names a cycle', () => {
    const got = issues(job((n) => (n[0].input = 'relu')));
    expect(got).toEqual([['model.nodes[0]', 'the graph has a cycle: conv1 → bn1 → sum → relu → conv1']]);
  });

  it('refuses a node the output does not use', () => {
    const got = issues(job((n) => n.push({ name: 'extra', layer: { type: 'ReLU' }, input: 'x' })));
    expect(got).toEqual([
      ['model.nodes[6]', "node 'extra' is not used: the output 'head' does not depend on it"],
    ]);
  });

  it('names shape mismatches at the node and field', () => {
    // conv1 gives 3 channels: bn1's num_features does not match.
    expect(issues(job((n) => (n[0].layer = conv(2, 3))))).toEqual([
      [
        'model.nodes[1].layer.num_features',
        'num_features is 2 but the input has 3 channels (input shape [-1, 3, 4, 4])',
      ],
    ]);
    // The add of (N, 3, 4, 4) and x (N, 2, 4, 4).
    expect(
      issues(
        job((n) => {
          n[0].layer = conv(2, 3);
          n[1].layer = { type: 'BatchNorm2d', num_features: 3 };
        }),
      ),
    ).toEqual([
      [
        'model.nodes[2].inputs[1]',
        'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1 (shapes [-1, 3, 4, 4] and [-1, 2, 4, 4])',
      ],
    ]);
    expect(issues(job((n) => (n[4].dim = [0, 2])))).toEqual([
      ['model.nodes[4].dim[0]', 'mean over dim 0 would mix the batch dimension; use dim >= 1'],
    ]);
    expect(issues(job((n) => (n[5].layer = { type: 'Linear', in_features: 4, out_features: 3 })))).toEqual([
      [
        'model.nodes[5].layer.in_features',
        "in_features is 4 but node 'pooled' gives 2 features (input shape [-1, 2])",
      ],
    ]);
  });

  it('names bad fields of layers, nested Sequential layers and ops', () => {
    expect(issues(job((n) => ((n[0].layer as Record<string, unknown>).in_channel = 2)))[0][0]).toBe(
      'model.nodes[0].layer.in_channel',
    );
    expect(
      issues(
        job(
          (n) =>
            (n[3].layer = {
              type: 'Sequential',
              layers: [{ type: 'ReLU' }, { type: 'Linear', in_features: 3 }],
            }),
        ),
      )[0][0],
    ).toBe('model.nodes[3].layer.layers[1].out_features');
    expect(issues(job((n) => (n[2].op = 'sub')))).toEqual([
      [
        'model.nodes[2].op',
        "unknown op 'sub'; expected one of add, mul, cat, mean, reshape, permute, select",
      ],
    ]);
    expect(
      issues(job((n) => (n[4] = { name: 'pooled', op: 'reshape', input: 'relu', shape: [-1, 5] }))),
    ).toEqual([
      [
        'model.nodes[4].shape',
        "shape '[-1, 5]' is invalid for input of shape [-1, 2, 4, 4] (32 values per sample)",
      ],
    ]);
    expect(
      issues(job((n) => (n[4] = { name: 'pooled', op: 'permute', input: 'relu', dims: [1, 0, 2, 3] })))[0],
    ).toEqual(['model.nodes[4].dims[0]', 'dims[0] is 0: the batch dimension stays first']);
  });

  it('names a nested Sequential layer at fault in the shape walk', () => {
    const got = issues(
      job((n) => {
        n[0].layer = { type: 'Sequential', layers: [conv(2, 2), { type: 'BatchNorm2d', num_features: 5 }] };
        n.splice(1, 1);
        (n[1].inputs as string[])[0] = 'conv1';
      }),
    );
    expect(got[0][0]).toBe('model.nodes[0].layer.layers[1].num_features');
  });

  it('registers layers under node names, a nested Sequential by index', () => {
    const model = buildAnyModel(
      job(
        (n) =>
          (n[3].layer = {
            type: 'Sequential',
            layers: [{ type: 'ReLU' }, { type: 'BatchNorm2d', num_features: 2 }],
          }),
      ).model,
      new Generator(0),
    );
    expect(Object.keys(model.stateDict())).toEqual([
      'conv1.weight',
      'conv1.bias',
      'bn1.weight',
      'bn1.bias',
      'bn1.running_mean',
      'bn1.running_var',
      'bn1.num_batches_tracked',
      'relu.1.weight',
      'relu.1.bias',
      'relu.1.running_mean',
      'relu.1.running_var',
      'relu.1.num_batches_tracked',
      'head.weight',
      'head.bias',
    ]);
  });
});
