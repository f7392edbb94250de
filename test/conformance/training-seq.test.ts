/**
 * PyTorch 1.13 whole training runs of sequence models (test/fixtures/torch/gen_training_seq.py →
 * training_seq.json, in shared/conformance's training.json format): an LSTM classifier on
 * parity-like token sequences, a GRU regressor on sine windows, a bidirectional two-layer LSTM with
 * padding_idx, Mean, StepLR and gradient clipping, and RNN(relu) + GRU time-major; final weights,
 * step losses and lrs within the training tolerance.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mismatch } from '../../src/conformance/compare.js';
import { computeTrainingCase, type TrainingCase } from '../../src/conformance/training.js';

const file = JSON.parse(
  readFileSync(new URL('../fixtures/torch/training_seq.json', import.meta.url), 'utf8'),
);
type Case = TrainingCase & {
  name: string;
  step_losses: number[];
  epoch_lrs: number[];
  final_state_dict: unknown;
};

describe('training_seq.json (PyTorch 1.13 training runs of sequence models)', () => {
  it('has the LSTM classifier and the GRU regressor, several epochs of Adam', () => {
    const names = (file.cases as Case[]).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['lstm_parity_classifier', 'gru_sine_regressor']));
    for (const c of file.cases as Case[]) expect(c.epochs).toBeGreaterThanOrEqual(4);
  });

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
