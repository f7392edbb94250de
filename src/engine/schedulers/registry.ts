/**
 * JSON specs of the LR schedulers: `{"type": "<PyTorch class name>", ...PyTorch's snake_case kwargs}`.
 *
 * Each schema is strict (unknown kwargs rejected) and applies PyTorch's defaults; the range
 * checks are the classes' own static `check` functions (PyTorch's wording), run here as a zod
 * refinement so a bad spec is refused before any optimizer exists. Checks that need the
 * optimizer (per-group list lengths, momentum support) happen at construction. snake_case
 * kwargs become camelCase options in one place: each entry's `options` function (in specs.ts).
 *
 * Left out: `last_epoch` and `verbose` (resume with `loadStateDict` instead), LambdaLR and
 * MultiplicativeLR (callables), CyclicLR's `scale_fn`/`scale_mode`.
 * SequentialLR and ChainedScheduler take nested specs, which cannot themselves be wrappers or
 * ReduceLROnPlateau.
 */
import { z } from 'zod';
import { SpecError } from '../errors.js';
import type { Optimizer } from '../optim/optimizer.js';
import { parseTyped } from '../spec-parse.js';
import { ChainedScheduler } from './chained-scheduler.js';
import { nonEmpty } from './composite-scheduler.js';
import type { LRScheduler } from './lr-scheduler.js';
import { SequentialLR } from './sequential-lr.js';
import { innerSpecs as inner, reduceLROnPlateau, type SpecEntry } from './specs.js';

type InnerType = keyof typeof inner;

const innerSchedulerSpecSchema = z.discriminatedUnion(
  'type',
  [
    inner.StepLR.schema,
    inner.MultiStepLR.schema,
    inner.ExponentialLR.schema,
    inner.CosineAnnealingLR.schema,
    inner.CosineAnnealingWarmRestarts.schema,
    inner.LinearLR.schema,
    inner.ConstantLR.schema,
    inner.PolynomialLR.schema,
    inner.OneCycleLR.schema,
    inner.CyclicLR.schema,
  ],
  {
    error: (iss) => {
      if (iss.code !== 'invalid_union') return undefined;
      const type = (iss.input as { type?: unknown } | undefined)?.type;
      const known = Object.keys(inner).join(', ');
      return ['ReduceLROnPlateau', 'SequentialLR', 'ChainedScheduler'].includes(String(type))
        ? `${type} cannot be wrapped by SequentialLR or ChainedScheduler; expected one of ${known}`
        : `unknown scheduler type '${String(type)}'; expected one of ${known}`;
    },
  },
);
type InnerSpec = z.output<typeof innerSchedulerSpecSchema>;

const sequentialLR = z
  .strictObject({
    type: z.literal('SequentialLR'),
    schedulers: z.array(innerSchedulerSpecSchema),
    milestones: z.array(z.number()),
  })
  .superRefine((spec, ctx) => {
    const issues = [
      ...nonEmpty('Sequential Schedulers', spec.schedulers.length),
      ...SequentialLR.check(spec.schedulers.length, spec.milestones),
    ];
    // An empty list also fails the milestone count; the first issue says what is wrong.
    for (const i of issues.slice(0, 1)) ctx.addIssue({ code: 'custom', path: i.path, message: i.message });
  });

const chainedScheduler = z
  .strictObject({ type: z.literal('ChainedScheduler'), schedulers: z.array(innerSchedulerSpecSchema) })
  .superRefine((spec, ctx) => {
    for (const i of nonEmpty('ChainedScheduler', spec.schedulers.length)) {
      ctx.addIssue({ code: 'custom', path: i.path, message: i.message });
    }
  });

/** PyTorch class name → strict zod schema of its JSON spec. */
export const schedulerRegistry = Object.freeze({
  ...(Object.fromEntries(Object.entries(inner).map(([k, e]) => [k, e.schema])) as {
    [K in InnerType]: (typeof inner)[K]['schema'];
  }),
  ReduceLROnPlateau: reduceLROnPlateau.schema,
  SequentialLR: sequentialLR,
  ChainedScheduler: chainedScheduler,
});

/** Any scheduler spec, for OpenAPI and request validation. */
export const schedulerSpecSchema = z.discriminatedUnion('type', [
  ...innerSchedulerSpecSchema.options,
  reduceLROnPlateau.schema,
  sequentialLR,
  chainedScheduler,
]);

/** A parsed scheduler spec (defaults applied). */
export type SchedulerSpec = z.output<typeof schedulerSpecSchema>;
/** A scheduler spec as written in JSON (defaults optional). */
export type SchedulerSpecInput = z.input<typeof schedulerSpecSchema>;

/**
 * Parses `spec` and builds its scheduler on `optimizer`. Throws a SpecError whose issue paths
 * name the bad field under `prefix` (e.g. `['scheduler', 'schedulers', 1, 'T_0']`).
 */
export function buildScheduler(
  spec: unknown,
  optimizer: Optimizer,
  prefix: (string | number)[] = [],
): LRScheduler {
  const parsed = parseTyped(schedulerRegistry, spec, 'scheduler', prefix) as SchedulerSpec;
  return underPrefix(prefix, () => buildParsed(parsed, optimizer));
}

function buildParsed(spec: SchedulerSpec, optimizer: Optimizer): LRScheduler {
  switch (spec.type) {
    case 'ReduceLROnPlateau':
      return reduceLROnPlateau.build(spec, optimizer);
    case 'SequentialLR':
      return new SequentialLR(optimizer, {
        schedulers: buildInner(spec.schedulers, optimizer),
        milestones: spec.milestones,
      });
    case 'ChainedScheduler':
      return new ChainedScheduler(buildInner(spec.schedulers, optimizer), optimizer);
    default:
      return buildInnerOne(spec, optimizer);
  }
}

/** Sub-schedulers are constructed in list order on the same optimizer, before their wrapper. */
function buildInner(specs: InnerSpec[], optimizer: Optimizer): LRScheduler[] {
  return specs.map((s, i) => underPrefix(['schedulers', i], () => buildInnerOne(s, optimizer)));
}

function buildInnerOne(spec: InnerSpec, optimizer: Optimizer): LRScheduler {
  const entry = inner[spec.type] as SpecEntry<z.ZodObject>;
  return entry.build(spec, optimizer);
}

function underPrefix<T>(prefix: (string | number)[], fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw e instanceof SpecError && prefix.length > 0 ? e.under(...prefix) : e;
  }
}
