/**
 * PyTorch 1.13 vectors for BatchNorm1d/2d, Dropout2d, Unflatten and Flatten on N-d inputs
 * (test/fixtures/torch/gen_norm.py → norm.json): each case runs through the layer's JSON spec.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mismatch } from '../../../src/conformance/compare.js';
import { computeLayerCase } from '../../../src/conformance/layers.js';

const file = JSON.parse(readFileSync(new URL('../../fixtures/torch/norm.json', import.meta.url), 'utf8'));
type Case = {
  name: string;
  layer: unknown;
  train: boolean;
  state_dict: Record<string, unknown>;
  input: unknown;
  grad_output: unknown;
  output: unknown;
  grad_input: unknown;
  grad_params: unknown;
  state_dict_after?: unknown;
};

describe('norm.json (PyTorch 1.13 single-layer vectors)', () => {
  it('covers every new layer type', () => {
    const types = new Set((file.cases as Case[]).map((c) => (c.layer as { type: string }).type));
    expect([...types].sort()).toEqual(['BatchNorm1d', 'BatchNorm2d', 'Dropout2d', 'Flatten', 'Unflatten']);
  });

  it.each((file.cases as Case[]).map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const got = computeLayerCase(c as Parameters<typeof computeLayerCase>[0]) as unknown as Record<
      string,
      unknown
    >;
    const expected = {
      output: c.output,
      grad_input: c.grad_input,
      grad_params: c.grad_params,
      // Where the forward does not change the buffers (eval), they must come out as they went in.
      ...(got.state_dict_after === undefined ? {} : { state_dict_after: c.state_dict_after ?? c.state_dict }),
    };
    const compared = Object.fromEntries(Object.keys(expected).map((k) => [k, got[k]]));
    expect(mismatch(compared, expected, file.tolerance)).toBeNull();
    if (c.state_dict_after !== undefined) expect(got.state_dict_after).toBeDefined();
  });
});
