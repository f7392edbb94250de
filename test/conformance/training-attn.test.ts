/**
 * PyTorch 1.13 whole training runs of attention models (test/fixtures/torch/gen_training_attn.py →
 * training_attn.json, in shared/conformance's training.json format): a 2-layer Transformer encoder
 * classifier (Embedding-PositionalEncoding-TransformerEncoder with a key padding mask-Mean-Linear)
 * with Adam, a norm_first GELU causal encoder with a final norm, AdamW, StepLR and clipping, and a
 * time-major MultiheadAttention with SGD; final weights, step losses and lrs within the training
 * tolerance.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mismatch } from '../../src/conformance/compare.js';
import { computeTrainingCase, type TrainingCase } from '../../src/conformance/training.js';

const file = JSON.parse(
  readFileSync(new URL('../fixtures/torch/training_attn.json', import.meta.url), 'utf8'),
);
type Case = TrainingCase & {
  name: string;
  step_losses: number[];
  epoch_lrs: number[];
  final_state_dict: unknown;
};

describe('training_attn.json (PyTorch 1.13 training runs of attention models)', () => {
  it('has the 2-layer Transformer encoder classifier, several epochs each', () => {
    const names = (file.cases as Case[]).map((c) => c.name);
    expect(names).toContain('transformer_encoder_classifier');
    for (const c of file.cases as Case[]) expect(c.epochs).toBeGreaterThanOrEqual(4);
  });

  it.each((file.cases as Case[]).map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const got = await computeTrainingCase(c);
    const expected = {
      step_losses: c.step_losses,
      epoch_lrs: c.epoch_lrs,
      final_state_dict: c.final_state_dict as Record<string, number[]>,
    };
    // The key part of in_proj_bias (entries E…2E) shifts every score of a query by the same amount,
    // which softmax ignores: its gradient is zero but for rounding, which Adam turns into steps of
    // up to lr each, so PyTorch's and ours differ there by rounding noise. Both must stay within
    // lr × steps of their start; the rest of the weights (which that bias cannot affect) match.
    const bound = (c.optimizer as { lr: number }).lr * c.step_losses.length;
    for (const [key, value] of Object.entries(expected.final_state_dict)) {
      if (!key.endsWith('in_proj_bias')) continue;
      const e = value.length / 3;
      const start = (c.state_dict as Record<string, number[]>)[key];
      const ours = (got.final_state_dict as Record<string, number[]>)[key];
      for (let i = e; i < 2 * e; i++) {
        expect(Math.abs(value[i] - start[i])).toBeLessThanOrEqual(bound);
        expect(Math.abs(ours[i] - start[i])).toBeLessThanOrEqual(bound);
      }
      expected.final_state_dict[key] = [...value.slice(0, e), ...ours.slice(e, 2 * e), ...value.slice(2 * e)];
    }
    expect(mismatch(got, expected, file.tolerance)).toBeNull();
  });
});
