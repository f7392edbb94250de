import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mismatch } from '../../src/conformance/compare.js';
import { computeTrainingCase, type TrainingCase } from '../../src/conformance/training.js';

const file = JSON.parse(
  readFileSync(new URL('../../../shared/conformance/training.json', import.meta.url), 'utf8'),
);
type Case = TrainingCase & {
  name: string;
  step_losses: number[];
  epoch_lrs: number[];
  final_state_dict: unknown;
};

describe('training.json (PyTorch 1.13 training loops)', () => {
  it.each((file.cases as Case[]).map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const got = await computeTrainingCase(c);
    const expected = {
      step_losses: c.step_losses,
      epoch_lrs: c.epoch_lrs,
      final_state_dict: c.final_state_dict,
    };
    expect(mismatch(got, expected, file.tolerance)).toBeNull();
  });
});
