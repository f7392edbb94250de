/**
 * The LR scheduler base class, after `torch.optim.lr_scheduler._LRScheduler` (PyTorch 1.13).
 *
 * A scheduler owns no learning rates of its own: it rewrites `optimizer.paramGroups[i].lr`
 * (and, for the cycling schedulers, `momentum` or `betas[0]`). Construction records each
 * group's `initialLr` (kept if already set, like PyTorch's `setdefault`) and takes the initial
 * step to epoch 0, so the lr read before the first `step()` is already the scheduled one.
 *
 * Stepping: the training loop calls `step()` once per epoch, after the optimizer's steps.
 * `step(metric?)` is uniform across schedulers; only schedulers with `needsMetric === true`
 * (ReduceLROnPlateau) use the metric, and they throw without it. The others ignore it.
 *
 * Learning rates are plain JS numbers (float64), as Python floats are in PyTorch.
 */
import { SpecError, type SpecIssue } from '../errors.js';
import type { Optimizer } from '../optim/optimizer.js';

/** A scheduler's state: PyTorch-style snake_case keys, JSON values (ReduceLROnPlateau may hold ±Infinity). */
export type SchedulerStateDict = Record<string, unknown>;

/** Fields that are wiring, not state: never saved or loaded. */
const NOT_STATE = new Set(['optimizer', 'needsMetric', 'schedulers']);

export abstract class LRScheduler {
  readonly optimizer: Optimizer;
  /** True when `step()` needs the monitored metric (ReduceLROnPlateau). */
  readonly needsMetric: boolean = false;
  /** Index of the last epoch seen; 0 right after construction. */
  lastEpoch = -1;
  /** Each group's `initialLr`, the base the closed forms scale. */
  baseLrs: number[] = [];
  protected stepCount = 0;
  protected lastLr: number[] = [];

  protected constructor(optimizer: Optimizer) {
    this.optimizer = optimizer;
  }

  /**
   * The tail of PyTorch's `_LRScheduler.__init__`. Subclasses call it last in their
   * constructor, once their own fields are set (a base constructor cannot call into a
   * subclass whose fields are not initialised yet).
   */
  protected start(): void {
    for (const group of this.optimizer.paramGroups) {
      if (group.initialLr === undefined) group.initialLr = group.lr;
    }
    this.baseLrs = this.optimizer.paramGroups.map((g) => g.initialLr as number);
    this.lastEpoch = -1;
    this.initialStep();
  }

  /** Resets the step count and steps to epoch 0 (SequentialLR re-runs it on its first scheduler). */
  initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** Advances one epoch. The metric is used only by schedulers with `needsMetric`. */
  step(_metric?: number): void {
    this.stepCount++;
    this.lastEpoch++;
    this.applyLrs(this.getLr());
  }

  /**
   * Jumps to `epoch` (PyTorch's deprecated `step(epoch)`): uses the closed form where the
   * scheduler has one, else the recursive rule. SequentialLR restarts schedulers with `stepTo(0)`.
   */
  stepTo(epoch: number): void {
    this.stepCount++;
    this.lastEpoch = epoch;
    this.applyLrs(this.closedFormLr?.() ?? this.getLr());
  }

  /** The learning rates for `lastEpoch`, usually derived from the groups' current lrs ("chainable"). */
  protected abstract getLr(): number[];

  /** The learning rates for `lastEpoch` computed from `baseLrs` alone, where a closed form exists. */
  protected closedFormLr?(): number[];

  /** The learning rates this scheduler last set, one per parameter group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  protected applyLrs(lrs: readonly number[]): void {
    this.optimizer.paramGroups.forEach((group, i) => {
      group.lr = lrs[i];
    });
    this.lastLr = this.currentLrs();
  }

  protected currentLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** Every field but the optimizer, like PyTorch's `state_dict()`, with snake_case keys. */
  stateDict(): SchedulerStateDict {
    const dict: SchedulerStateDict = {};
    for (const [field, value] of Object.entries(this)) {
      if (NOT_STATE.has(field) || typeof value === 'function') continue;
      dict[stateKey(field)] = structuredClone(value);
    }
    return dict;
  }

  /** Restores a `stateDict()`; an unknown key is an error naming it. */
  loadStateDict(dict: SchedulerStateDict): void {
    const fields = new Map<string, string>();
    for (const field of Object.keys(this)) {
      if (!NOT_STATE.has(field)) fields.set(stateKey(field), field);
    }
    for (const [key, value] of Object.entries(dict)) {
      const field = fields.get(key);
      if (field === undefined) {
        throw new SpecError([
          { path: [key], message: `unexpected key '${key}' in ${this.constructor.name} state dict` },
        ]);
      }
      (this as unknown as Record<string, unknown>)[field] = structuredClone(value);
    }
  }
}

/** `lastEpoch` → `last_epoch`; `TMax` → `T_max`, `T0` → `T_0` (PyTorch's capitalised T). */
export function stateKey(field: string): string {
  const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const t = /^T([A-Z0-9])(.*)$/.exec(field);
  if (t !== null) return `T_${t[1].toLowerCase()}${snake(t[2])}`;
  return snake(field);
}

/** PyTorch's `_format_param`: one value per parameter group, from a scalar or a per-group list. */
export function perGroup(name: string, optimizer: Optimizer, value: number | readonly number[]): number[] {
  const n = optimizer.paramGroups.length;
  if (typeof value === 'number') return new Array<number>(n).fill(value);
  if (value.length !== n) {
    throw new SpecError([{ path: [name], message: `expected ${n} values for ${name}, got ${value.length}` }]);
  }
  return [...value];
}

/** One issue when `bad`, none otherwise; checks are lists of these. */
export function issueIf(bad: boolean, name: string, message: string): SpecIssue[] {
  return bad ? [{ path: [name], message }] : [];
}

/** The usual check for counts and periods: `Expected positive integer T_0, but got -1`. */
export function positiveInt(name: string, value: number): SpecIssue[] {
  return issueIf(
    !Number.isInteger(value) || value <= 0,
    name,
    `Expected positive integer ${name}, but got ${value}`,
  );
}

export function throwIfAny(issues: SpecIssue[]): void {
  if (issues.length > 0) throw new SpecError(issues);
}

/** `{...defaults, ...options}`, except that an option given as `undefined` keeps its default. */
export function withDefaults<O extends object>(defaults: Readonly<Partial<O>>, options: O): Required<O> {
  const out: Record<string, unknown> = { ...defaults };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) out[k] = v;
  return out as Required<O>;
}
