/**
 * Activation memory and resource limits of model graphs: a graph of the same layers as a stack
 * costs what the stack does; an op counts its output and, in its backward, the gradients of its
 * output and inputs (hand-counted, float32 = 4 bytes); the limit names the node at fault; the
 * layer and parameter limits count a graph's layers, nested Sequential ones included.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { activationMemory, parseAnyModelSpec, parseModelSpec } from '../../../src/engine/nn/index.js';
import { checkActivationLimit, checkJobLimits, jobResourceLimits } from '../../../src/service/job-limits.js';

const lin = (i: number, o: number) => ({ type: 'Linear', in_features: i, out_features: o });
const graph = (nodes: object[], output: string) => parseAnyModelSpec({ inputs: ['x'], nodes, output });

describe('activation memory of a model graph', () => {
  it('a chain of layer nodes costs what the same Sequential does', () => {
    const specs = [lin(4, 50), { type: 'ReLU' }, { type: 'Dropout', p: 0.2 }, lin(50, 3)];
    const chain = graph(
      specs.map((layer, i) => ({ name: `n${i}`, layer, input: i === 0 ? 'x' : `n${i - 1}` })),
      'n3',
    );
    const seq = activationMemory(parseModelSpec({ layers: specs }), [4], 16);
    const got = activationMemory(chain, [4], 16);
    expect(got.bytes).toBe(seq.bytes);
    expect(got.layers.map((l) => l.path)).toEqual([
      ['nodes', 0, 'layer'],
      ['nodes', 1, 'layer'],
      ['nodes', 2, 'layer'],
      ['nodes', 3, 'layer'],
    ]);
  });

  it('counts an add op and names it when over the limit', () => {
    const b = 10;
    const model = graph(
      [
        { name: 'lin', layer: lin(4, 1000), input: 'x' },
        { name: 'relu', layer: { type: 'ReLU' }, input: 'lin' },
        { name: 'sum', op: 'add', inputs: ['relu', 'lin'] },
        { name: 'head', layer: lin(1000, 2), input: 'sum' },
      ],
      'head',
    );
    const memory = activationMemory(model, [4], b);
    // input; kept outputs of lin, relu, sum, head; the loss (8 + 4 per output value); the largest
    // backward transient, the add's: its output's gradient and both inputs'.
    const expected = b * 4 * 4 + b * 4 * (1000 + 1000 + 1000 + 2) + b * 2 * 12 + b * 3000 * 4;
    expect(memory.bytes).toBe(expected);
    const [issue] = checkActivationLimit(model, [4], b, expected - 1);
    expect(issue.path).toBe('model.nodes[2]');
    expect(issue.message).toContain('This add op (output 10 × 1000)');
    expect(checkActivationLimit(model, [4], b, expected)).toEqual([]);
  });
});

describe('job limits of a model graph', () => {
  const limits = jobResourceLimits(loadConfig({}));
  const body = (nodes: object[]) => ({ model: { inputs: ['x'], nodes, output: 'a' } });

  it('counts parameters of layer nodes and nested Sequential layers', () => {
    const big = { ...limits, maxParameters: 100 };
    const nodes = [
      { name: 'a', layer: { type: 'Sequential', layers: [lin(10, 5), lin(5, 5)] }, input: 'x' },
      { name: 'b', op: 'add', inputs: ['a', 'a'] },
    ];
    expect(checkJobLimits(body(nodes), big)).toEqual([]); // 55 + 30
    const more = [...nodes, { name: 'c', layer: lin(5, 5), input: 'b' }];
    expect(checkJobLimits(body(more), big)).toEqual([
      { path: 'model', message: '115 parameters; at most 100 per model (MAX_PARAMETERS)' },
    ]);
  });

  it('counts layers and op nodes toward MAX_LAYERS', () => {
    const nodes = Array.from({ length: 4 }, (_, i) => ({ name: `n${i}`, op: 'add', inputs: ['x', 'x'] }));
    const [issue] = checkJobLimits(body(nodes), { ...limits, maxLayers: 3 });
    expect(issue.path).toBe('model.nodes');
  });
});
