/**
 * PyTorch 1.13 vectors for Conv1d and Conv2d (test/fixtures/torch/gen_conv.py → conv.json): each
 * case runs through the layer's JSON spec; output, input gradient and weight/bias gradients.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mismatch } from '../../../src/conformance/compare.js';
import { computeLayerCase } from '../../../src/conformance/layers.js';
import { checkLayerShapes, parseModelSpec } from '../../../src/engine/nn/index.js';
import { inferShape, type NestedArray } from '../../../src/engine/tensor.js';

const file = JSON.parse(readFileSync(new URL('../../fixtures/torch/conv.json', import.meta.url), 'utf8'));
type Case = Parameters<typeof computeLayerCase>[0] & {
  name: string;
  output: NestedArray;
  grad_input: NestedArray;
  grad_params: Record<string, NestedArray>;
};
const cases = file.cases as Case[];

describe('conv.json (PyTorch 1.13 single-layer vectors)', () => {
  it('covers Conv1d and Conv2d with every option', () => {
    const layers = cases.map((c) => c.layer as Record<string, unknown>);
    expect(new Set(layers.map((l) => l.type))).toEqual(new Set(['Conv1d', 'Conv2d']));
    for (const option of ['stride', 'padding', 'dilation', 'groups', 'bias'])
      expect(layers.some((l) => option in l)).toBe(true);
    expect(layers.some((l) => l.padding === 'same')).toBe(true);
    expect(layers.some((l) => l.padding === 'valid')).toBe(true);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const got = computeLayerCase(c);
    const expected = { output: c.output, grad_input: c.grad_input, grad_params: c.grad_params };
    const compared = { output: got.output, grad_input: got.grad_input, grad_params: got.grad_params };
    expect(mismatch(compared, expected, file.tolerance)).toBeNull();
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    '%s: the shape check predicts the output shape',
    (_n, c) => {
      const { layers } = parseModelSpec({ layers: [c.layer] });
      const check = checkLayerShapes(layers, inferShape(c.input).slice(1));
      expect(check.issues).toEqual([]);
      expect(check.outputShape).toEqual(inferShape(c.output).slice(1));
    },
  );
});
