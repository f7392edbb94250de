/**
 * The optimizer base class, after `torch.optim.Optimizer`.
 *
 * An optimizer holds `paramGroups` (each: its parameters plus its own copy of every
 * hyperparameter, camelCase) and lazy per-parameter `state`. Subclasses validate their
 * hyperparameters, pass the defaults here, and implement `step()` by calling a pure update
 * function over Float32Arrays for each parameter whose grad is not null (PyTorch skips
 * parameters whose `.grad` is None: no decay, no momentum, no step count).
 */
import { SpecError } from '../errors.js';
import { releaseGradBuffer } from '../grad-buffer.js';
import type { Tensor } from '../tensor.js';

/** Hyperparameters every optimizer has. Schedulers read and write `lr` (and `momentum`/`betas`). */
export interface BaseOptions {
  lr: number;
}

export type ParamGroup<O extends BaseOptions = BaseOptions> = O & {
  params: Tensor[];
  /** Set by LR schedulers on construction (PyTorch's `initial_lr`). */
  initialLr?: number;
};

/** A group as the user passes it: parameters plus any overrides of the defaults. */
export type ParamGroupInit<O extends BaseOptions = BaseOptions> = Partial<O> & { params: Tensor[] };

/** Per-parameter state: buffers and counters (`step`, `exp_avg`, …). */
export type ParamState = Record<string, Float32Array | number>;

/** PyTorch's `optimizer.state_dict()` shape: state keyed by parameter index across groups. */
export interface OptimizerStateDict {
  state: Record<number, Record<string, number[] | number>>;
  param_groups: (Record<string, unknown> & { params: number[] })[];
}

export abstract class Optimizer<O extends BaseOptions = BaseOptions> {
  readonly defaults: Readonly<O>;
  readonly paramGroups: ParamGroup<O>[] = [];
  readonly state = new Map<Tensor, ParamState>();

  protected constructor(params: readonly Tensor[] | readonly ParamGroupInit<O>[], defaults: O) {
    // Like PyTorch, the defaults are checked even if every group overrides them.
    this.validate(defaults);
    this.defaults = Object.freeze(copyArrays(defaults));
    if (params.length === 0)
      throw new SpecError([{ path: ['params'], message: 'optimizer got an empty parameter list' }]);
    const groups = isGroupList(params) ? params : [{ params: [...params] } as ParamGroupInit<O>];
    for (const group of groups) this.addParamGroup(group);
  }

  /** Validates one group's hyperparameters; subclasses throw a SpecError in PyTorch's wording. */
  protected abstract validate(options: O): void;

  /** Applies one update to every parameter that has a gradient. */
  abstract step(): void;

  addParamGroup(group: ParamGroupInit<O>): void {
    // Tuples (betas, etas) are copied so that a scheduler changing one group's betas changes no other.
    const full = copyArrays({ ...this.defaults, ...stripUndefined(group) }) as ParamGroup<O>;
    this.validate(full);
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    for (const p of full.params) {
      if (seen.has(p))
        throw new SpecError([
          { path: ['params'], message: 'some parameters appear in more than one parameter group' },
        ]);
      seen.add(p);
    }
    this.paramGroups.push(full);
  }

  /**
   * Clears gradients: to null by default (PyTorch 2), or to zeros with `setToNone: false`. With
   * `reuse: true` the dropped gradients' memory goes to the next backward pass: only for a loop that
   * keeps no reference to an old `.grad` (the trainer's), since that tensor's values would change.
   */
  zeroGrad({ setToNone = true, reuse = false }: { setToNone?: boolean; reuse?: boolean } = {}): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (p.grad === null) continue;
        if (setToNone) {
          if (reuse) releaseGradBuffer(p.grad.data);
          p.grad = null;
        } else {
          p.grad.data.fill(0);
        }
      }
    }
  }

  /**
   * Calls `update` for every parameter whose grad is not null, group by group. PyTorch skips a
   * parameter whose `.grad` is None entirely: no decay, no state change, no step count.
   */
  protected forEachParamWithGrad(
    update: (p: Tensor, grad: Float32Array, group: ParamGroup<O>) => void,
  ): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (p.grad === null) continue;
        if (p.grad.size !== p.size) {
          throw new RangeError(
            `${this.constructor.name}.step: grad has ${p.grad.size} values, parameter ${p.size}`,
          );
        }
        update(p, p.grad.data, group);
      }
    }
  }

  /** The lazily created state of `p`, made by `init` on the parameter's first real step. */
  protected stateFor<S extends ParamState>(p: Tensor, init: () => S): S {
    let s = this.state.get(p) as S | undefined;
    if (s === undefined) {
      s = init();
      this.state.set(p, s);
    }
    return s;
  }

  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((group) => {
      const { params, ...options } = group;
      return {
        ...toSnakeCase(options),
        params: params.map((p) => {
          const i = index.size;
          index.set(p, i);
          return i;
        }),
      };
    });
    const state: OptimizerStateDict['state'] = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      state[i] = Object.fromEntries(
        Object.entries(s).map(([k, v]) => [toSnake(k), typeof v === 'number' ? v : Array.from(v)]),
      );
    }
    return { state, param_groups: paramGroups };
  }

  /** Restores hyperparameters and state saved by `stateDict()` of an optimizer over the same parameters. */
  loadStateDict(dict: OptimizerStateDict): void {
    if (dict.param_groups.length !== this.paramGroups.length) {
      throw new SpecError([
        { path: ['param_groups'], message: 'loaded state dict has a different number of parameter groups' },
      ]);
    }
    const byIndex: Tensor[] = [];
    dict.param_groups.forEach((saved, g) => {
      const group = this.paramGroups[g];
      if (saved.params.length !== group.params.length) {
        throw new SpecError([
          {
            path: ['param_groups', g],
            message:
              "loaded state dict contains a parameter group that doesn't match the size of optimizer's group",
          },
        ]);
      }
      saved.params.forEach((i, k) => {
        byIndex[i] = group.params[k];
      });
      const { params: _params, ...options } = saved;
      Object.assign(group, toCamelCase(options));
    });
    this.state.clear();
    for (const [key, saved] of Object.entries(dict.state)) {
      const p = byIndex[Number(key)];
      if (p === undefined)
        throw new SpecError([{ path: ['state', key], message: 'state for an unknown parameter index' }]);
      const s: ParamState = {};
      for (const [k, v] of Object.entries(saved)) {
        if (typeof v === 'number') s[toCamel(k)] = v;
        else {
          if (v.length !== p.size)
            throw new SpecError([
              { path: ['state', key, k], message: `expected ${p.size} values, got ${v.length}` },
            ]);
          s[toCamel(k)] = Float32Array.from(v);
        }
      }
      this.state.set(p, s);
    }
  }
}

/** `defaults` overridden by the options that are set (an explicit `undefined` keeps the default). */
export function withDefaults<O extends object>(defaults: O, options: Partial<O>): O {
  return { ...defaults, ...stripUndefined(options) };
}

function isGroupList<O extends BaseOptions>(
  params: readonly Tensor[] | readonly ParamGroupInit<O>[],
): params is readonly ParamGroupInit<O>[] {
  const first = params[0] as unknown as { params?: unknown };
  return Array.isArray(first?.params);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A shallow copy of `o` whose array values (tuples, the params list) are copied too. */
function copyArrays<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Array.isArray(v) ? [...v] : v])) as T;
}

function toSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function toCamel(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function toSnakeCase(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [toSnake(k), Array.isArray(v) ? [...v] : v]));
}

function toCamelCase(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [toCamel(k), Array.isArray(v) ? [...v] : v]));
}
