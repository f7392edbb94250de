/** Building a run's model, loss, optimizer and scheduler from its spec. */
import type { Loss } from '../engine/losses/loss.js';
import { buildLoss } from '../engine/losses/registry.js';
import { buildAnyModel } from '../engine/nn/model-spec.js';
import type { Module } from '../engine/nn/module.js';
import type { Optimizer } from '../engine/optim/optimizer.js';
import { buildOptimizer } from '../engine/optim/registry.js';
import { Generator } from '../engine/random.js';
import type { LRScheduler } from '../engine/schedulers/lr-scheduler.js';
import { buildScheduler } from '../engine/schedulers/registry.js';
import type { NestedArray, Tensor } from '../engine/tensor.js';
import type { RunSpec } from './spec.js';

/** Everything a run is made of, built from a spec with one seeded generator. */
export interface RunParts {
  /** An nn.Sequential, or a Graph. */
  model: Module;
  loss: Loss;
  optimizer: Optimizer;
  scheduler: LRScheduler | null;
  generator: Generator;
}

export function buildRun(spec: RunSpec, initStateDict?: Record<string, Tensor | NestedArray>): RunParts {
  const generator = new Generator(spec.training.seed);
  const model = buildAnyModel(spec.model, generator);
  if (initStateDict !== undefined) model.loadStateDict(initStateDict);
  model.train();
  const loss = buildLoss(spec.loss, { parameters: () => model.parameters() });
  const optimizer = buildOptimizer(spec.optimizer, model.namedParameters());
  const scheduler = spec.scheduler === undefined ? null : buildScheduler(spec.scheduler, optimizer);
  return { model, loss, optimizer, scheduler, generator };
}
