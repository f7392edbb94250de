/**
 * Hyperparameter range checks in PyTorch's wording, shared by the optimizer classes (which throw)
 * and the JSON spec schemas (which report them as zod issues): one source of truth for both.
 * Each check returns an issue whose path names the kwarg as the JSON spec spells it (snake_case).
 */
import { SpecError, type SpecIssue } from '../errors.js';

export type Check = SpecIssue | null;

/** The failed checks among `checks`. */
export function failed(...checks: Check[]): SpecIssue[] {
  return checks.filter((c): c is SpecIssue => c !== null);
}

/** Throws a SpecError listing every issue, if there is any. */
export function throwIfAny(issues: SpecIssue[]): void {
  if (issues.length > 0) throw new SpecError(issues);
}

// Written as `!(0 <= x)` rather than `x < 0` so that NaN fails, as `not 0.0 <= x` does in Python.

export function checkLr(lr: number): Check {
  return 0 <= lr ? null : { path: ['lr'], message: `Invalid learning rate: ${lr}` };
}

export function checkEps(eps: number): Check {
  return 0 <= eps ? null : { path: ['eps'], message: `Invalid epsilon value: ${eps}` };
}

/** `Invalid <key> value: <value>` for a kwarg that must be >= 0 (weight_decay, momentum, …). */
export function checkNonNegative(key: string, value: number): Check {
  return 0 <= value ? null : { path: [key], message: `Invalid ${key} value: ${value}` };
}

/** Each beta must lie in [0, 1). */
export function checkBetas(betas: readonly [number, number]): SpecIssue[] {
  return failed(
    ...betas.map((beta, i) =>
      0 <= beta && beta < 1
        ? null
        : { path: ['betas', i], message: `Invalid beta parameter at index ${i}: ${beta}` },
    ),
  );
}
