/**
 * PyTorch 1.13 whole training runs of image models (test/fixtures/torch/gen_training_cnn.py →
 * training_cnn.json, in shared/conformance's training.json format): final weights, step losses
 * and lrs within the training tolerance. A case whose layer types the engine's registry does not
 * have yet (convolutions and pools) is listed as skipped with its reason; once the registry has
 * every type the file uses, no case may be skipped.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mismatch } from '../../src/conformance/compare.js';
import { computeTrainingCase, type TrainingCase } from '../../src/conformance/training.js';
import { layerRegistry } from '../../src/engine/nn/registry.js';

const file = JSON.parse(
  readFileSync(new URL('../fixtures/torch/training_cnn.json', import.meta.url), 'utf8'),
);
type Case = TrainingCase & {
  name: string;
  model: { layers: { type: string }[] };
  step_losses: number[];
  epoch_lrs: number[];
  final_state_dict: unknown;
};
const cases = file.cases as Case[];
/** Layer types of this issue that another change adds to the engine. */
const CONV_LAYERS = [
  'Conv1d',
  'Conv2d',
  'MaxPool1d',
  'MaxPool2d',
  'AvgPool1d',
  'AvgPool2d',
  'AdaptiveAvgPool2d',
];
const missingTypes = (c: Case) => [
  ...new Set(c.model.layers.map((l) => l.type).filter((t) => !Object.hasOwn(layerRegistry, t))),
];
const runnable = cases.filter((c) => missingTypes(c).length === 0);
const skipped = cases.filter((c) => missingTypes(c).length > 0);
const usedTypes = new Set(cases.flatMap((c) => c.model.layers.map((l) => l.type)));
const engineHasAll = [...usedTypes].every((t) => Object.hasOwn(layerRegistry, t));

describe('training_cnn.json (PyTorch 1.13 training runs of image models)', () => {
  it.each(runnable.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const got = await computeTrainingCase(c);
    const expected = {
      step_losses: c.step_losses,
      epoch_lrs: c.epoch_lrs,
      final_state_dict: c.final_state_dict,
    };
    expect(mismatch(got, expected, file.tolerance)).toBeNull();
  });

  for (const c of skipped)
    it.skip(`${c.name} (skipped: the engine has no ${missingTypes(c).join(', ')} layer yet)`, () => {});

  it('skips only for the convolution and pooling layers still to come, and nothing once the engine has them', () => {
    expect(runnable.length).toBeGreaterThanOrEqual(7);
    // A type outside this list (a typo, a removed layer) fails here instead of skipping its case.
    const missing = [...new Set(skipped.flatMap(missingTypes))];
    expect(missing.filter((t) => !CONV_LAYERS.includes(t))).toEqual([]);
    if (engineHasAll) expect(skipped.map((c) => c.name)).toEqual([]);
  });
});
