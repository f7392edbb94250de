/** Building a run's model, loss, optimizer and scheduler from its spec. */
import type { Loss } from '../engine/losses/loss.js';
import { buildLoss } from '../engine/losses/registry.js';
import type { Sequential } from '../engine/nn/index.js';
import { buildModel } from '../engine/nn/registry.js';
import type { Optimizer } from '../engine/optim/optimizer.js';
import { buildOptimizer } from '../engine/optim/registry.js';
import { Generator } from '../engine/random.js';
import type { LRScheduler } from '../engine/schedulers/lr-scheduler.js';
import { buildScheduler } from '../engine/schedulers/registry.js';
import type { NestedArray, Tensor } from '../engine/tensor.js';
import type { RunSpec } from './spec.js';

/** Everything a run is made of, built from a spec with one seeded generator. */
export interface RunParts {
  model: Sequential;
  loss: Loss;
  optimizer: Optimizer;
  scheduler: LRScheduler | null;
  generator: Generator;
}

export function buildRun(spec: RunSpec, initStateDict?: Record<string, Tensor | NestedArray>): RunParts {
  const generator = new Generator(spec.training.seed);
  const model = buildModel(spec.model, generator);
  if (initStateDict !== undefined) model.loadStateDict(initStateDict);
  model.train();
  const loss = buildLoss(spec.loss, { parameters: () => model.parameters() });
  const optimizer = buildOptimizer(spec.optimizer, model.namedParameters());
  const scheduler = spec.scheduler === undefined ? null : buildScheduler(spec.scheduler, optimizer);
  return { model, loss, optimizer, scheduler, generator };
}
