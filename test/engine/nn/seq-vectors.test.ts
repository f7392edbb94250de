/**
 * PyTorch 1.13 vectors for Embedding, RNN, LSTM, GRU and the selector layers Select and Mean
 * (test/fixtures/torch/gen_seq.py → seq.json): each case runs through the layer's JSON spec.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mismatch } from '../../../src/conformance/compare.js';
import { computeLayerCase } from '../../../src/conformance/layers.js';

const file = JSON.parse(readFileSync(new URL('../../fixtures/torch/seq.json', import.meta.url), 'utf8'));
type Case = Parameters<typeof computeLayerCase>[0] & {
  name: string;
  output: unknown;
  grad_input: unknown;
  grad_params: unknown;
};

describe('seq.json (PyTorch 1.13 single-layer vectors)', () => {
  it('covers every sequence layer type and option', () => {
    const layers = (file.cases as Case[]).map((c) => c.layer as Record<string, unknown>);
    expect([...new Set(layers.map((l) => l.type))].sort()).toEqual([
      'Embedding',
      'GRU',
      'LSTM',
      'Mean',
      'RNN',
      'Select',
    ]);
    for (const type of ['RNN', 'LSTM', 'GRU']) {
      const of = layers.filter((l) => l.type === type);
      expect(of.some((l) => l.num_layers === 2)).toBe(true);
      expect(of.some((l) => l.bidirectional === true)).toBe(true);
      expect(of.some((l) => l.batch_first === true)).toBe(true);
      expect(of.some((l) => l.batch_first === undefined)).toBe(true);
      expect(of.some((l) => l.bias === false)).toBe(true);
    }
    expect(layers.some((l) => l.type === 'RNN' && l.nonlinearity === 'relu')).toBe(true);
    expect(layers.some((l) => l.type === 'Embedding' && l.padding_idx !== undefined)).toBe(true);
  });

  it.each((file.cases as Case[]).map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const got = computeLayerCase(c);
    const compared = { output: got.output, grad_input: got.grad_input, grad_params: got.grad_params };
    const expected = { output: c.output, grad_input: c.grad_input, grad_params: c.grad_params };
    expect(mismatch(compared, expected, file.tolerance)).toBeNull();
  });
});
