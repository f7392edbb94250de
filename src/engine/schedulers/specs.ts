/**
 * The JSON spec of each scheduler that takes kwargs only (everything but the wrappers):
 * a strict zod schema with PyTorch's defaults, the snake_case → camelCase translation, and the
 * class's own range checks run as a zod refinement (one source of truth for the messages).
 * `registry.ts` assembles these into the registry and builds schedulers from them.
 */
import { z } from 'zod';
import type { SpecIssue } from '../errors.js';
import type { Optimizer } from '../optim/optimizer.js';
import { ConstantLR } from './constant-lr.js';
import { CosineAnnealingLR } from './cosine-annealing-lr.js';
import { CosineAnnealingWarmRestarts } from './cosine-annealing-warm-restarts.js';
import { CyclicLR, cyclicModeError } from './cyclic-lr.js';
import { ExponentialLR } from './exponential-lr.js';
import { LinearLR } from './linear-lr.js';
import type { LRScheduler } from './lr-scheduler.js';
import { MultiStepLR } from './multi-step-lr.js';
import { annealStrategyError, OneCycleLR } from './one-cycle-lr.js';
import { PolynomialLR } from './polynomial-lr.js';
import { plateauModeError, ReduceLROnPlateau, thresholdModeError } from './reduce-lr-on-plateau.js';
import { StepLR } from './step-lr.js';

export interface SpecEntry<S extends z.ZodObject> {
  schema: S;
  build: (spec: z.output<S>, optimizer: Optimizer) => LRScheduler;
}

/** Pairs a schema with its snake→camel translation, its checks (as a refinement) and its constructor. */
function define<S extends z.ZodObject, O>(
  schema: S,
  options: (spec: z.output<S>) => O,
  create: (optimizer: Optimizer, options: O) => LRScheduler,
  check?: (options: O) => SpecIssue[],
): SpecEntry<S> {
  const refined =
    check === undefined
      ? schema
      : schema.superRefine((spec, ctx) => {
          for (const issue of check(options(spec))) {
            ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message, input: spec });
          }
        });
  return { schema: refined, build: (spec, optimizer) => create(optimizer, options(spec)) };
}

const perGroupNumber = z.union([z.number(), z.array(z.number())]);

const stepLR = define(
  z.strictObject({
    type: z.literal('StepLR'),
    step_size: z.number(),
    gamma: z.number().default(StepLR.defaults.gamma),
  }),
  (s) => ({ stepSize: s.step_size, gamma: s.gamma }),
  (opt, o) => new StepLR(opt, o),
  StepLR.check,
);

const multiStepLR = define(
  z.strictObject({
    type: z.literal('MultiStepLR'),
    milestones: z.array(z.number()),
    gamma: z.number().default(MultiStepLR.defaults.gamma),
  }),
  (s) => ({ milestones: s.milestones, gamma: s.gamma }),
  (opt, o) => new MultiStepLR(opt, o),
  MultiStepLR.check,
);

const exponentialLR = define(
  z.strictObject({ type: z.literal('ExponentialLR'), gamma: z.number() }),
  (s) => ({ gamma: s.gamma }),
  (opt, o) => new ExponentialLR(opt, o),
);

const cosineAnnealingLR = define(
  z.strictObject({
    type: z.literal('CosineAnnealingLR'),
    T_max: z.number(),
    eta_min: z.number().default(CosineAnnealingLR.defaults.etaMin),
  }),
  (s) => ({ TMax: s.T_max, etaMin: s.eta_min }),
  (opt, o) => new CosineAnnealingLR(opt, o),
  CosineAnnealingLR.check,
);

const cosineAnnealingWarmRestarts = define(
  z.strictObject({
    type: z.literal('CosineAnnealingWarmRestarts'),
    T_0: z.number(),
    T_mult: z.number().default(CosineAnnealingWarmRestarts.defaults.TMult),
    eta_min: z.number().default(CosineAnnealingWarmRestarts.defaults.etaMin),
  }),
  (s) => ({ T0: s.T_0, TMult: s.T_mult, etaMin: s.eta_min }),
  (opt, o) => new CosineAnnealingWarmRestarts(opt, o),
  CosineAnnealingWarmRestarts.check,
);

const linearLR = define(
  z.strictObject({
    type: z.literal('LinearLR'),
    start_factor: z.number().default(LinearLR.defaults.startFactor),
    end_factor: z.number().default(LinearLR.defaults.endFactor),
    total_iters: z.number().default(LinearLR.defaults.totalIters),
  }),
  (s) => ({ startFactor: s.start_factor, endFactor: s.end_factor, totalIters: s.total_iters }),
  (opt, o) => new LinearLR(opt, o),
  LinearLR.check,
);

const constantLR = define(
  z.strictObject({
    type: z.literal('ConstantLR'),
    factor: z.number().default(ConstantLR.defaults.factor),
    total_iters: z.number().default(ConstantLR.defaults.totalIters),
  }),
  (s) => ({ factor: s.factor, totalIters: s.total_iters }),
  (opt, o) => new ConstantLR(opt, o),
  ConstantLR.check,
);

const polynomialLR = define(
  z.strictObject({
    type: z.literal('PolynomialLR'),
    total_iters: z.number().default(PolynomialLR.defaults.totalIters),
    power: z.number().default(PolynomialLR.defaults.power),
  }),
  (s) => ({ totalIters: s.total_iters, power: s.power }),
  (opt, o) => new PolynomialLR(opt, o),
  PolynomialLR.check,
);

const oneCycle = OneCycleLR.defaults;
const oneCycleLR = define(
  z.strictObject({
    type: z.literal('OneCycleLR'),
    max_lr: perGroupNumber,
    total_steps: z.number().nullable().default(oneCycle.totalSteps),
    epochs: z.number().nullable().default(oneCycle.epochs),
    steps_per_epoch: z.number().nullable().default(oneCycle.stepsPerEpoch),
    pct_start: z.number().default(oneCycle.pctStart),
    anneal_strategy: z
      .enum(['cos', 'linear'], { error: (iss) => annealStrategyError(iss.input) })
      .default(oneCycle.annealStrategy),
    cycle_momentum: z.boolean().default(oneCycle.cycleMomentum),
    base_momentum: perGroupNumber.default(oneCycle.baseMomentum),
    max_momentum: perGroupNumber.default(oneCycle.maxMomentum),
    div_factor: z.number().default(oneCycle.divFactor),
    final_div_factor: z.number().default(oneCycle.finalDivFactor),
    three_phase: z.boolean().default(oneCycle.threePhase),
  }),
  (s) => ({
    maxLr: s.max_lr,
    totalSteps: s.total_steps,
    epochs: s.epochs,
    stepsPerEpoch: s.steps_per_epoch,
    pctStart: s.pct_start,
    annealStrategy: s.anneal_strategy,
    cycleMomentum: s.cycle_momentum,
    baseMomentum: s.base_momentum,
    maxMomentum: s.max_momentum,
    divFactor: s.div_factor,
    finalDivFactor: s.final_div_factor,
    threePhase: s.three_phase,
  }),
  (opt, o) => new OneCycleLR(opt, o),
  OneCycleLR.check,
);

const cyclic = CyclicLR.defaults;
const cyclicLR = define(
  z.strictObject({
    type: z.literal('CyclicLR'),
    base_lr: perGroupNumber,
    max_lr: perGroupNumber,
    step_size_up: z.number().default(cyclic.stepSizeUp),
    step_size_down: z.number().nullable().default(cyclic.stepSizeDown),
    mode: z
      .enum(['triangular', 'triangular2', 'exp_range'], { error: (iss) => cyclicModeError(iss.input) })
      .default(cyclic.mode),
    gamma: z.number().default(cyclic.gamma),
    cycle_momentum: z.boolean().default(cyclic.cycleMomentum),
    base_momentum: perGroupNumber.default(cyclic.baseMomentum),
    max_momentum: perGroupNumber.default(cyclic.maxMomentum),
  }),
  (s) => ({
    baseLr: s.base_lr,
    maxLr: s.max_lr,
    stepSizeUp: s.step_size_up,
    stepSizeDown: s.step_size_down,
    mode: s.mode,
    gamma: s.gamma,
    cycleMomentum: s.cycle_momentum,
    baseMomentum: s.base_momentum,
    maxMomentum: s.max_momentum,
  }),
  (opt, o) => new CyclicLR(opt, o),
  CyclicLR.check,
);

const plateau = ReduceLROnPlateau.defaults;
export const reduceLROnPlateau = define(
  z.strictObject({
    type: z.literal('ReduceLROnPlateau'),
    mode: z.enum(['min', 'max'], { error: (iss) => plateauModeError(iss.input) }).default(plateau.mode),
    factor: z.number().default(plateau.factor),
    patience: z.number().default(plateau.patience),
    threshold: z.number().default(plateau.threshold),
    threshold_mode: z
      .enum(['rel', 'abs'], { error: (iss) => thresholdModeError(iss.input) })
      .default(plateau.thresholdMode),
    cooldown: z.number().default(plateau.cooldown),
    min_lr: perGroupNumber.default(plateau.minLr),
    eps: z.number().default(plateau.eps),
  }),
  (s) => ({
    mode: s.mode,
    factor: s.factor,
    patience: s.patience,
    threshold: s.threshold,
    thresholdMode: s.threshold_mode,
    cooldown: s.cooldown,
    minLr: s.min_lr,
    eps: s.eps,
  }),
  (opt, o) => new ReduceLROnPlateau(opt, o),
  ReduceLROnPlateau.check,
);

/** The schedulers SequentialLR and ChainedScheduler can wrap. */
export const innerSpecs = {
  StepLR: stepLR,
  MultiStepLR: multiStepLR,
  ExponentialLR: exponentialLR,
  CosineAnnealingLR: cosineAnnealingLR,
  CosineAnnealingWarmRestarts: cosineAnnealingWarmRestarts,
  LinearLR: linearLR,
  ConstantLR: constantLR,
  PolynomialLR: polynomialLR,
  OneCycleLR: oneCycleLR,
  CyclicLR: cyclicLR,
};
