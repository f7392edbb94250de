/**
 * Function signatures for the expression language, in Python's terms: each parameter has a name,
 * a type, a default (none means required) and may be keyword-only. Options such as `dim` or
 * `reduction` must be constants; they are checked when the expression is compiled, so a bad one
 * is reported before training. At evaluation a function receives its bound arguments as `Args`.
 */
import type { LossType } from '../losses/loss.js';
import type { Tensor } from '../tensor.js';

/** A constant argument value: number, string, True/False, None, or a list of numbers. */
export type ConstValue = number | string | boolean | null | readonly number[];

export type ArgType =
  /** Any tensor expression; numbers become 0-d tensors. */
  | { kind: 'tensor' }
  /** The `params` variable: the model's parameters. */
  | { kind: 'params' }
  | { kind: 'number'; nullable?: boolean }
  | { kind: 'int'; nullable?: boolean }
  /** None, an integer, or a list of integers (a reduction's `dim`). */
  | { kind: 'dims' }
  | { kind: 'bool' }
  | { kind: 'choice'; values: readonly string[] }
  /** None or a non-empty list of numbers, passed on as a 1-D tensor (a loss's `weight`). */
  | { kind: 'weights' };

export interface Param {
  name: string;
  type: ArgType;
  /** The default of an optional parameter; undefined makes it required. */
  default?: ConstValue;
  /** Only by keyword, like parameters after Python's `*` (every loss option). */
  keywordOnly?: boolean;
  /** Further validation of a constant: a message (PyTorch's wording) when it is invalid. */
  check?: (value: ConstValue) => string | undefined;
}

export type FunctionCategory = 'elementwise' | 'comparison' | 'reduction' | 'penalty' | 'loss';

export interface FunctionDef {
  readonly name: string;
  readonly category: FunctionCategory;
  /** For losses: the PyTorch class whose functional form this is. */
  readonly lossType?: LossType;
  readonly params: readonly Param[];
  /** A check across the constant arguments; returns a message when the combination is invalid. */
  readonly validate?: (constant: (name: string) => ConstValue | undefined) => string | undefined;
  readonly apply: (args: Args) => Tensor;
}

/** What the parameters of one call are bound to at evaluation. */
export type ArgValue = Tensor | readonly Tensor[] | ConstValue;

/** The bound arguments of a call, with typed accessors (types were checked at compile time). */
export class Args {
  constructor(private readonly values: ReadonlyMap<string, ArgValue>) {}

  private get(name: string): ArgValue {
    if (!this.values.has(name)) throw new Error(`custom loss: no argument '${name}' was bound`);
    return this.values.get(name) as ArgValue;
  }

  tensor(name: string): Tensor {
    return this.get(name) as Tensor;
  }

  tensors(name: string): readonly Tensor[] {
    return this.get(name) as readonly Tensor[];
  }

  number(name: string): number {
    return this.get(name) as number;
  }

  optionalNumber(name: string): number | undefined {
    return (this.get(name) as number | null) ?? undefined;
  }

  dims(name: string): number | readonly number[] | undefined {
    return (this.get(name) as number | readonly number[] | null) ?? undefined;
  }

  bool(name: string): boolean {
    return this.get(name) as boolean;
  }

  string<T extends string>(name: string): T {
    return this.get(name) as T;
  }

  numbers(name: string): readonly number[] | null {
    return this.get(name) as readonly number[] | null;
  }
}

/** A required tensor parameter (positional or by keyword). */
export const tensorParam = (name: string): Param => ({ name, type: { kind: 'tensor' } });

/** A keyword-only option with a default. */
export const keywordParam = (
  name: string,
  type: ArgType,
  value: ConstValue,
  check?: Param['check'],
): Param => ({ name, type, default: value, keywordOnly: true, check });

export const reductionParam = (values: readonly string[]): Param =>
  keywordParam('reduction', { kind: 'choice', values }, 'mean');

/** What values of a type look like, for messages: "dim must be an integer or a list of integers". */
export function describeType(type: ArgType): string {
  const orNone = (text: string, nullable?: boolean) => (nullable ? `${text} or None` : text);
  switch (type.kind) {
    case 'tensor':
      return 'a tensor expression';
    case 'params':
      return 'params (the model parameters)';
    case 'number':
      return orNone('a number', type.nullable);
    case 'int':
      return orNone('an integer', type.nullable);
    case 'dims':
      return 'an integer, a list of integers or None';
    case 'bool':
      return 'True or False';
    case 'choice':
      return `one of ${type.values.map((v) => `'${v}'`).join(', ')}`;
    case 'weights':
      return 'a list of numbers or None';
  }
}

/** Whether a constant has the type (tensor and params are not constants). */
export function constFits(type: ArgType, value: ConstValue): boolean {
  const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
  switch (type.kind) {
    case 'number':
      return typeof value === 'number' || (value === null && type.nullable === true);
    case 'int':
      return isInt(value) || (value === null && type.nullable === true);
    case 'dims':
      return value === null || isInt(value) || (Array.isArray(value) && value.every(isInt));
    case 'bool':
      return typeof value === 'boolean';
    case 'choice':
      return typeof value === 'string' && type.values.includes(value);
    case 'weights':
      return value === null || (Array.isArray(value) && value.length > 0);
    default:
      return false;
  }
}
