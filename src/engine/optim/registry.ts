/**
 * JSON optimizer specs: `{"type": "<PyTorch class name>", ...PyTorch's snake_case kwargs}`.
 *
 * `optimizerRegistry` maps each class name to the strict zod schema of its spec, with PyTorch
 * 1.13's defaults; the range checks are the classes' own (`sgdIssues`, …) run as a refinement,
 * so the API and the classes report the same messages. `buildOptimizer` parses a spec and builds
 * the optimizer; the snake_case → camelCase translation happens here and only here.
 */
import { z } from 'zod';
import { SpecError, type SpecIssue } from '../errors.js';
import { parseTyped, parseWith, unionOf } from '../spec-parse.js';
import type { Tensor } from '../tensor.js';
import { Adadelta, adadeltaIssues } from './adadelta.js';
import { Adagrad, adagradIssues } from './adagrad.js';
import { Adam, adamIssues } from './adam.js';
import { Adamax, adamaxIssues } from './adamax.js';
import { AdamW } from './adamw.js';
import { NAdam, nadamIssues } from './nadam.js';
import type { BaseOptions, Optimizer, ParamGroupInit } from './optimizer.js';
import { isNamed, type NamedParameters, resolveParamGroups } from './param-groups.js';
import { RAdam, radamIssues } from './radam.js';
import { RMSprop, rmspropIssues } from './rmsprop.js';
import { Rprop, rpropIssues } from './rprop.js';
import { SGD, sgdIssues } from './sgd.js';

/** One optimizer type: its spec schema, the spec → options translation, and its constructor. */
interface Entry<S extends z.ZodObject, O extends BaseOptions> {
  schema: S;
  toOptions: (spec: z.output<S>) => O;
  create: (params: Tensor[] | ParamGroupInit<O>[], defaults: O) => Optimizer<O>;
}

function entry<S extends z.ZodObject, O extends BaseOptions>(
  schema: S,
  toOptions: (spec: z.output<S>) => O,
  issues: (options: O) => SpecIssue[],
  Class: new (params: Tensor[] | ParamGroupInit<O>[], options: O) => Optimizer<O>,
): Entry<S, O> {
  const refined = schema.superRefine((spec, ctx) => {
    for (const issue of issues(toOptions(spec))) {
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    }
  });
  return { schema: refined, toOptions, create: (params, defaults) => new Class(params, defaults) };
}

/** A tuple kwarg (betas, etas, step_sizes). The default is a function so every spec gets its own array. */
const pair = (a: number, b: number) =>
  z.tuple([z.number(), z.number()]).default((): [number, number] => [a, b]);
const betas = () => pair(0.9, 0.999);

const entries = {
  SGD: entry(
    z.strictObject({
      type: z.literal('SGD'),
      lr: z.number({
        error: (issue) =>
          issue.input === undefined ? 'SGD requires lr (PyTorch 1.13 has no default lr for SGD)' : undefined,
      }),
      momentum: z.number().default(0),
      dampening: z.number().default(0),
      weight_decay: z.number().default(0),
      nesterov: z.boolean().default(false),
      maximize: z.boolean().default(false),
    }),
    (s) => ({
      lr: s.lr,
      momentum: s.momentum,
      dampening: s.dampening,
      weightDecay: s.weight_decay,
      nesterov: s.nesterov,
      maximize: s.maximize,
    }),
    sgdIssues,
    SGD,
  ),
  Adam: entry(
    z.strictObject({
      type: z.literal('Adam'),
      lr: z.number().default(0.001),
      betas: betas(),
      eps: z.number().default(1e-8),
      weight_decay: z.number().default(0),
      amsgrad: z.boolean().default(false),
      maximize: z.boolean().default(false),
    }),
    (s) => ({
      lr: s.lr,
      betas: s.betas,
      eps: s.eps,
      weightDecay: s.weight_decay,
      amsgrad: s.amsgrad,
      maximize: s.maximize,
    }),
    adamIssues,
    Adam,
  ),
  AdamW: entry(
    z.strictObject({
      type: z.literal('AdamW'),
      lr: z.number().default(0.001),
      betas: betas(),
      eps: z.number().default(1e-8),
      weight_decay: z.number().default(0.01),
      amsgrad: z.boolean().default(false),
      maximize: z.boolean().default(false),
    }),
    (s) => ({
      lr: s.lr,
      betas: s.betas,
      eps: s.eps,
      weightDecay: s.weight_decay,
      amsgrad: s.amsgrad,
      maximize: s.maximize,
    }),
    adamIssues,
    AdamW,
  ),
  Adagrad: entry(
    z.strictObject({
      type: z.literal('Adagrad'),
      lr: z.number().default(0.01),
      lr_decay: z.number().default(0),
      weight_decay: z.number().default(0),
      initial_accumulator_value: z.number().default(0),
      eps: z.number().default(1e-10),
      maximize: z.boolean().default(false),
    }),
    (s) => ({
      lr: s.lr,
      lrDecay: s.lr_decay,
      weightDecay: s.weight_decay,
      initialAccumulatorValue: s.initial_accumulator_value,
      eps: s.eps,
      maximize: s.maximize,
    }),
    adagradIssues,
    Adagrad,
  ),
  RMSprop: entry(
    z.strictObject({
      type: z.literal('RMSprop'),
      lr: z.number().default(0.01),
      alpha: z.number().default(0.99),
      eps: z.number().default(1e-8),
      weight_decay: z.number().default(0),
      momentum: z.number().default(0),
      centered: z.boolean().default(false),
      maximize: z.boolean().default(false),
    }),
    (s) => ({
      lr: s.lr,
      alpha: s.alpha,
      eps: s.eps,
      weightDecay: s.weight_decay,
      momentum: s.momentum,
      centered: s.centered,
      maximize: s.maximize,
    }),
    rmspropIssues,
    RMSprop,
  ),
  Adadelta: entry(
    z.strictObject({
      type: z.literal('Adadelta'),
      lr: z.number().default(1.0),
      rho: z.number().default(0.9),
      eps: z.number().default(1e-6),
      weight_decay: z.number().default(0),
      maximize: z.boolean().default(false),
    }),
    (s) => ({ lr: s.lr, rho: s.rho, eps: s.eps, weightDecay: s.weight_decay, maximize: s.maximize }),
    adadeltaIssues,
    Adadelta,
  ),
  Adamax: entry(
    z.strictObject({
      type: z.literal('Adamax'),
      lr: z.number().default(0.002),
      betas: betas(),
      eps: z.number().default(1e-8),
      weight_decay: z.number().default(0),
      maximize: z.boolean().default(false),
    }),
    (s) => ({ lr: s.lr, betas: s.betas, eps: s.eps, weightDecay: s.weight_decay, maximize: s.maximize }),
    adamaxIssues,
    Adamax,
  ),
  NAdam: entry(
    z.strictObject({
      type: z.literal('NAdam'),
      lr: z.number().default(0.002),
      betas: betas(),
      eps: z.number().default(1e-8),
      weight_decay: z.number().default(0),
      momentum_decay: z.number().default(0.004),
    }),
    (s) => ({
      lr: s.lr,
      betas: s.betas,
      eps: s.eps,
      weightDecay: s.weight_decay,
      momentumDecay: s.momentum_decay,
    }),
    nadamIssues,
    NAdam,
  ),
  RAdam: entry(
    z.strictObject({
      type: z.literal('RAdam'),
      lr: z.number().default(0.001),
      betas: betas(),
      eps: z.number().default(1e-8),
      weight_decay: z.number().default(0),
    }),
    (s) => ({ lr: s.lr, betas: s.betas, eps: s.eps, weightDecay: s.weight_decay }),
    radamIssues,
    RAdam,
  ),
  Rprop: entry(
    z.strictObject({
      type: z.literal('Rprop'),
      lr: z.number().default(0.01),
      etas: pair(0.5, 1.2),
      step_sizes: pair(1e-6, 50),
      maximize: z.boolean().default(false),
    }),
    (s) => ({ lr: s.lr, etas: s.etas, stepSizes: s.step_sizes, maximize: s.maximize }),
    rpropIssues,
    Rprop,
  ),
};

export type OptimizerType = keyof typeof entries;

/** PyTorch class name → zod schema of its JSON spec (frozen). */
export const optimizerRegistry: { readonly [K in OptimizerType]: (typeof entries)[K]['schema'] } =
  Object.freeze(
    Object.fromEntries(Object.entries(entries).map(([type, e]) => [type, e.schema])) as {
      [K in OptimizerType]: (typeof entries)[K]['schema'];
    },
  );

/** Any optimizer spec, discriminated by `type` (for OpenAPI and the run spec). */
export const optimizerSpecSchema = unionOf(optimizerRegistry);

export type OptimizerSpec = z.output<typeof optimizerSpecSchema>;

/**
 * Parses an optimizer spec and builds the optimizer over `params`. With `paramGroups` (JSON, as
 * in PyTorch's per-parameter options) only the parameters the groups name are optimized, as in
 * PyTorch, so `params` must then be named. Throws a SpecError naming the offending field
 * (`['betas', 0]`, `['param_groups', 1, 'lr']`, …).
 */
export function buildOptimizer(
  spec: unknown,
  params: readonly Tensor[] | NamedParameters,
  paramGroups?: unknown,
): Optimizer {
  const parsed = parseTyped(optimizerRegistry, spec, 'optimizer');
  // The registry's entries are keyed by `parsed.type`, so the spec matches the entry's schema.
  const e = entries[parsed.type] as unknown as Entry<z.ZodObject, BaseOptions>;
  const defaults = e.toOptions(parsed);
  const named = isNamed(params);
  if (paramGroups === undefined) return e.create(named ? params.map(([, p]) => p) : [...params], defaults);
  if (!named) {
    throw new SpecError([
      { path: ['param_groups'], message: 'param_groups name parameters, so the parameters must be named' },
    ]);
  }
  // A group's kwargs over the spec's, parsed like a whole spec: same defaults, same checks.
  const groups = resolveParamGroups(paramGroups, params, (overrides, path) =>
    e.toOptions(parseWith(e.schema, { ...parsed, ...overrides }, path)),
  );
  return e.create(groups, defaults);
}
