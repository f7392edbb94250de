/**
 * PyTorch 1.13 vectors for the pools (test/fixtures/torch/gen_pool.py → pool.json): each case runs
 * through the layer's JSON spec; output and input gradient (max pools route it to the first
 * maximum of each window, as PyTorch does).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mismatch } from '../../../src/conformance/compare.js';
import { computeLayerCase } from '../../../src/conformance/layers.js';
import { checkLayerShapes, parseModelSpec } from '../../../src/engine/nn/index.js';
import { inferShape, type NestedArray } from '../../../src/engine/tensor.js';

const file = JSON.parse(readFileSync(new URL('../../fixtures/torch/pool.json', import.meta.url), 'utf8'));
type Case = Parameters<typeof computeLayerCase>[0] & {
  name: string;
  output: NestedArray;
  grad_input: NestedArray;
};
const cases = file.cases as Case[];

describe('pool.json (PyTorch 1.13 single-layer vectors)', () => {
  it('covers every pool and option', () => {
    const layers = cases.map((c) => c.layer as Record<string, unknown>);
    expect(new Set(layers.map((l) => l.type))).toEqual(
      new Set([
        'MaxPool1d',
        'MaxPool2d',
        'AvgPool1d',
        'AvgPool2d',
        'AdaptiveAvgPool1d',
        'AdaptiveAvgPool2d',
        'AdaptiveMaxPool2d',
      ]),
    );
    for (const option of ['stride', 'padding', 'dilation', 'count_include_pad', 'divisor_override'])
      expect(layers.some((l) => option in l)).toBe(true);
    expect(layers.some((l) => l.ceil_mode === true && l.type === 'MaxPool2d')).toBe(true);
    expect(layers.some((l) => l.ceil_mode === true && l.type === 'AvgPool2d')).toBe(true);
    expect(layers.some((l) => Array.isArray(l.output_size) && l.output_size.includes(null))).toBe(true);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const got = computeLayerCase(c);
    const compared = { output: got.output, grad_input: got.grad_input };
    expect(mismatch(compared, { output: c.output, grad_input: c.grad_input }, file.tolerance)).toBeNull();
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
