/**
 * PyTorch's per-parameter options in JSON: `param_groups: [{"params": ["w"], "lr": 0.1}, …]`.
 * Each group names its parameters (as `model.namedParameters()` names them) and may override any
 * kwarg of the optimizer spec, which acts as the defaults.
 */
import { z } from 'zod';
import { collectIssues, type IssuePath, SpecError, type SpecIssue } from '../errors.js';
import { parseWith } from '../spec-parse.js';
import type { Tensor } from '../tensor.js';
import type { BaseOptions, ParamGroupInit } from './optimizer.js';

/** `[name, parameter]` pairs, as `model.namedParameters()` returns them. */
export type NamedParameters = readonly (readonly [string, Tensor])[];

export const paramGroupSpecSchema = z
  .looseObject({ params: z.array(z.string()) })
  .describe('Parameter names plus any optimizer kwargs that override the defaults for them.');

export const paramGroupsSpecSchema = z.array(paramGroupSpecSchema);

export function isNamed(params: readonly Tensor[] | NamedParameters): params is NamedParameters {
  return params.length > 0 && Array.isArray(params[0]);
}

/**
 * Resolves JSON param groups against named parameters. `parseOverrides` turns a group's kwargs
 * into the group's full options, throwing a SpecError under the given path. Every problem of
 * every group is collected into one SpecError under `param_groups`.
 */
export function resolveParamGroups<O extends BaseOptions>(
  paramGroups: unknown,
  params: NamedParameters,
  parseOverrides: (overrides: Record<string, unknown>, path: IssuePath) => O,
): ParamGroupInit<O>[] {
  const groupSpecs = parseWith(paramGroupsSpecSchema, paramGroups, ['param_groups']);
  const byName = new Map(params.map(([name, p]) => [name, p]));
  const assigned = new Set<string>();
  const issues: SpecIssue[] = [];
  const groups: ParamGroupInit<O>[] = [];
  groupSpecs.forEach(({ params: names, ...overrides }, g) => {
    const path: IssuePath = ['param_groups', g];
    const tensors: Tensor[] = [];
    names.forEach((name, j) => {
      const p = byName.get(name);
      if (p === undefined) {
        const known = [...byName.keys()].join(', ');
        issues.push({
          path: [...path, 'params', j],
          message: `unknown parameter '${name}'; expected one of ${known}`,
        });
      } else if (assigned.has(name)) {
        issues.push({
          path: [...path, 'params', j],
          message: `parameter '${name}' appears in more than one parameter group`,
        });
      } else {
        assigned.add(name);
        tensors.push(p);
      }
    });
    if ('type' in overrides) {
      issues.push({ path: [...path, 'type'], message: 'a parameter group cannot change the optimizer type' });
      return;
    }
    const options = collectIssues(issues, () => parseOverrides(overrides, path));
    if (options !== undefined) groups.push({ ...options, params: tensors });
  });
  if (issues.length > 0) throw new SpecError(issues);
  return groups;
}
