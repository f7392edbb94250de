/**
 * Parsing `{"type": "<PyTorch class name>", ...snake_case kwargs}` objects against a registry of
 * zod schemas keyed by class name. The type is looked up first so an unknown one gets a message
 * listing the known ones; the kwargs are then parsed by that type's strict schema, so unknown or
 * ill-typed kwargs are named by path.
 */
import { z } from 'zod';
import { type IssuePath, SpecError } from './errors.js';

/** A frozen map from PyTorch class name to the zod schema of its JSON spec. */
export type SpecRegistry = Readonly<Record<string, z.ZodType>>;

export function zodIssuesToSpecError(error: z.ZodError, prefix: IssuePath = []): SpecError {
  const issues = error.issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    // An unknown kwarg is named by its own path (`optimizer.weight_decai`), not its object's.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: [...path, key],
        message: `unknown keyword argument '${key}'`,
      }));
    }
    return [{ path, message: issue.message }];
  });
  return new SpecError(issues);
}

/** Parses `value` with `schema`, throwing a SpecError whose paths start with `prefix`. */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix: IssuePath = [],
): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw zodIssuesToSpecError(result.error, prefix);
  return result.data;
}

/**
 * Parses a typed spec: `kind` names the family in messages ("loss", "optimizer", …).
 * Returns the parsed spec (defaults applied) of the schema registered under its `type`.
 */
export function parseTyped<R extends SpecRegistry>(
  registry: R,
  value: unknown,
  kind: string,
  prefix: IssuePath = [],
): z.output<R[keyof R]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SpecError([{ path: prefix, message: `${kind} must be an object with a "type"` }]);
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') {
    throw new SpecError([
      {
        path: [...prefix, 'type'],
        message: `${kind} needs a "type" (one of ${Object.keys(registry).join(', ')})`,
      },
    ]);
  }
  if (!Object.hasOwn(registry, type)) {
    throw new SpecError([
      {
        path: [...prefix, 'type'],
        message: `unknown ${kind} type '${type}'; expected one of ${Object.keys(registry).join(', ')}`,
      },
    ]);
  }
  return parseWith(registry[type], value, prefix) as z.output<R[keyof R]>;
}

/** A discriminated union of every schema in a registry, for OpenAPI and TypeScript types. */
export function unionOf<R extends Readonly<Record<string, z.ZodObject>>>(
  registry: R,
): z.ZodDiscriminatedUnion<R[keyof R][], 'type'> {
  const schemas = Object.values(registry) as unknown as [z.ZodObject, ...z.ZodObject[]];
  return z.discriminatedUnion('type', schemas) as unknown as z.ZodDiscriminatedUnion<R[keyof R][], 'type'>;
}
