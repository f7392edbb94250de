/** LR schedulers after `torch.optim.lr_scheduler` (PyTorch 1.13), and their JSON specs. */
export { ChainedScheduler } from './chained-scheduler.js';
export { ConstantLR, type ConstantLROptions } from './constant-lr.js';
export { CosineAnnealingLR, type CosineAnnealingLROptions } from './cosine-annealing-lr.js';
export {
  CosineAnnealingWarmRestarts,
  type CosineAnnealingWarmRestartsOptions,
} from './cosine-annealing-warm-restarts.js';
export { CyclicLR, type CyclicLROptions, type CyclicMode } from './cyclic-lr.js';
export { ExponentialLR, type ExponentialLROptions } from './exponential-lr.js';
export { LinearLR, type LinearLROptions } from './linear-lr.js';
export { LRScheduler, type SchedulerStateDict } from './lr-scheduler.js';
export { MultiStepLR, type MultiStepLROptions } from './multi-step-lr.js';
export { type AnnealStrategy, OneCycleLR, type OneCycleLROptions } from './one-cycle-lr.js';
export { PolynomialLR, type PolynomialLROptions } from './polynomial-lr.js';
export {
  type PlateauMode,
  ReduceLROnPlateau,
  type ReduceLROnPlateauOptions,
  type ThresholdMode,
} from './reduce-lr-on-plateau.js';
export {
  buildScheduler,
  type SchedulerSpec,
  type SchedulerSpecInput,
  schedulerRegistry,
  schedulerSpecSchema,
} from './registry.js';
export { SequentialLR, type SequentialLROptions } from './sequential-lr.js';
export { StepLR, type StepLROptions } from './step-lr.js';
