/**
 * Runs one case of the schedulers conformance file (see /work/shared/conformance/README.md):
 * one parameter that never gets a gradient, the case's optimizer and scheduler, and the lr
 * (and momentum) read before each epoch's `scheduler.step()`. The expected values are never
 * read, so this also works on a case whose `lrs`/`momentums` were removed.
 */
import { z } from 'zod';
import { buildOptimizer } from '../engine/optim/registry.js';
import { momentumKeyOf, readMomentum } from '../engine/schedulers/momentum.js';
import { buildScheduler, type SchedulerSpec, schedulerRegistry } from '../engine/schedulers/registry.js';
import { parseTyped, parseWith } from '../engine/spec-parse.js';
import { tensor } from '../engine/tensor.js';

const schedulerCaseSchema = z.object({
  optimizer: z.unknown(),
  scheduler: z.unknown(),
  epochs: z.number().int().nonnegative(),
  metrics: z.array(z.number()).optional(),
});

export interface SchedulerCaseResult {
  lrs: number[];
  /** Only for schedulers that cycle momentum (OneCycleLR, CyclicLR with cycle_momentum). */
  momentums?: number[];
}

export function computeSchedulerCase(caseJson: unknown): SchedulerCaseResult {
  const c = parseWith(schedulerCaseSchema, caseJson);
  const spec = parseTyped(schedulerRegistry, c.scheduler, 'scheduler', ['scheduler']) as SchedulerSpec;
  const p = tensor([0], { requiresGrad: true });
  const optimizer = buildOptimizer(c.optimizer, [p]);
  const scheduler = buildScheduler(spec, optimizer, ['scheduler']);
  const momentumKey = cyclesMomentum(spec) ? momentumKeyOf(optimizer) : null;
  const group = optimizer.paramGroups[0];

  const lrs: number[] = [];
  const momentums: number[] = [];
  for (let i = 0; i < c.epochs; i++) {
    lrs.push(group.lr);
    if (momentumKey !== null) momentums.push(readMomentum(group, momentumKey));
    optimizer.step();
    if (scheduler.needsMetric) {
      const metric = c.metrics?.[i];
      if (metric === undefined) throw new Error(`case has no metrics[${i}] for ${spec.type}`);
      scheduler.step(metric);
    } else {
      scheduler.step();
    }
  }
  return momentumKey === null ? { lrs } : { lrs, momentums };
}

/** Whether the scheduler (or one it wraps) cycles momentum, decided from the spec alone. */
function cyclesMomentum(spec: SchedulerSpec): boolean {
  switch (spec.type) {
    case 'OneCycleLR':
    case 'CyclicLR':
      return spec.cycle_momentum;
    case 'SequentialLR':
    case 'ChainedScheduler':
      return spec.schedulers.some((s) => cyclesMomentum(s as SchedulerSpec));
    default:
      return false;
  }
}
