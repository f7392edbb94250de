/**
 * PyTorch 1.13 whole training runs of model graphs (test/fixtures/torch/gen_graph.py → graph.json
 * "training"): a residual CNN (ResNet basic block) and an MLP using every op, from given initial
 * weights; step losses, lrs and final weights (BatchNorm buffers included) within the training
 * tolerance of the other training vectors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mismatch } from '../../src/conformance/compare.js';
import { computeTrainingCase, type TrainingCase } from '../../src/conformance/training.js';

const file = JSON.parse(readFileSync(new URL('../fixtures/torch/graph.json', import.meta.url), 'utf8'));
type Case = TrainingCase & {
  name: string;
  step_losses: number[];
  epoch_lrs: number[];
  final_state_dict: Record<string, unknown>;
};
const cases = file.training as Case[];

describe('graph.json training (PyTorch 1.13 runs of model graphs)', () => {
  it('names the state dict as PyTorch: node attributes, a nested Sequential by index', () => {
    const keys = Object.keys(cases.find((c) => c.name === 'resnet_basic_block')!.final_state_dict);
    for (const key of [
      'conv1.weight',
      'bn1.running_mean',
      'block.0.weight',
      'block.4.num_batches_tracked',
      'fc.bias',
    ])
      expect(keys).toContain(key);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const got = await computeTrainingCase(c);
    expect(Object.keys(got.final_state_dict)).toEqual(Object.keys(c.final_state_dict));
    const expected = {
      step_losses: c.step_losses,
      epoch_lrs: c.epoch_lrs,
      final_state_dict: c.final_state_dict,
    };
    expect(mismatch(got, expected, file.tolerance)).toBeNull();
  });
});
