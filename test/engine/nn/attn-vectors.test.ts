/**
 * PyTorch 1.13 vectors for MultiheadAttention, TransformerEncoderLayer, TransformerEncoder and
 * PositionalEncoding (test/fixtures/torch/gen_attn.py → attn.json): each case is a stack of JSON
 * layer specs built as the service builds a model, with PyTorch's state dict loaded.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mismatch } from '../../../src/conformance/compare.js';
import { buildModel } from '../../../src/engine/nn/registry.js';
import { Generator } from '../../../src/engine/random.js';
import { type NestedArray, noGrad, tensor } from '../../../src/engine/tensor.js';

interface Case {
  name: string;
  layers: Record<string, unknown>[];
  inference: boolean;
  state_dict: Record<string, NestedArray>;
  input: NestedArray;
  grad_output?: NestedArray;
  output: NestedArray;
  grad_input?: NestedArray | null;
  grad_params?: Record<string, NestedArray>;
}

const file = JSON.parse(readFileSync(new URL('../../fixtures/torch/attn.json', import.meta.url), 'utf8'));
const cases = file.cases as Case[];

function run(c: Case) {
  const model = buildModel({ layers: c.layers }, new Generator(0));
  model.loadStateDict(c.state_dict);
  const input = tensor(c.input);
  const isIds = c.layers[0].type === 'Embedding';
  if (c.inference) {
    model.eval();
    return { output: noGrad(() => model.forward(input)).toArray() };
  }
  model.train();
  if (!isIds) input.requiresGrad = true;
  const output = model.forward(input);
  output.backward(tensor(c.grad_output!));
  return {
    output: output.toArray(),
    grad_input: isIds ? null : (input.grad?.toArray() ?? null),
    grad_params: Object.fromEntries(model.namedParameters().map(([n, p]) => [n, p.grad?.toArray() ?? null])),
  };
}

describe('attn.json (PyTorch 1.13 attention vectors)', () => {
  it('covers every attention layer and option', () => {
    const flat = cases.flatMap((c) => c.layers);
    const types = new Set(flat.map((l) => l.type));
    for (const t of [
      'MultiheadAttention',
      'TransformerEncoderLayer',
      'TransformerEncoder',
      'PositionalEncoding',
    ])
      expect(types.has(t)).toBe(true);
    const layerLike = flat.flatMap((l) =>
      l.type === 'TransformerEncoder' ? [l.encoder_layer as Record<string, unknown>] : [l],
    );
    expect(layerLike.some((l) => l.batch_first === true)).toBe(true);
    expect(layerLike.some((l) => l.norm_first === true)).toBe(true);
    expect(layerLike.some((l) => l.activation === 'gelu')).toBe(true);
    expect(flat.some((l) => l.key_padding_mask === 'padding_idx')).toBe(true);
    expect(
      flat.some((l) => l.type === 'TransformerEncoder' && l.src_key_padding_mask === 'padding_idx'),
    ).toBe(true);
    expect(
      flat.some((l) => l.type === 'TransformerEncoderLayer' && l.src_key_padding_mask === 'padding_idx'),
    ).toBe(true);
    expect(flat.some((l) => l.is_causal === true)).toBe(true);
    expect(cases.some((c) => c.inference)).toBe(true);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const got = run(c);
    const expected = c.inference
      ? { output: c.output }
      : { output: c.output, grad_input: c.grad_input, grad_params: c.grad_params };
    expect(mismatch(got, expected, file.tolerance)).toBeNull();
  });
});
