/**
 * The functions of the custom-loss language: the one table mapping each name (PyTorch's, from
 * `torch` and `torch.nn.functional`, snake_case kwargs included) to its signature and its
 * implementation over the engine's differentiable ops and losses. The compiler checks calls
 * against the signatures; the evaluator calls `apply` with the bound arguments; the analyzer reads
 * `category`. Loss options are keyword-only and translated to the camelCase options here.
 */
import * as ops from '../ops/index.js';
import { scalar, type Tensor } from '../tensor.js';
import { lossFunctions } from './loss-functions.js';
import type { Args, FunctionDef, Param } from './params.js';
import { keywordParam, tensorParam } from './params.js';

// --- parameter shorthands -------------------------------------------------------------------

const input = tensorParam('input');
const other = tensorParam('other');
const keepdim: Param = { name: 'keepdim', type: { kind: 'bool' }, default: false };
const dims: Param = { name: 'dim', type: { kind: 'dims' }, default: null };
const optionalDim: Param = { name: 'dim', type: { kind: 'int', nullable: true }, default: null };
const requiredDim: Param = { name: 'dim', type: { kind: 'int' } };

const number = { kind: 'number' } as const;

// --- definitions ----------------------------------------------------------------------------

const unaryOps: [string, (x: Tensor) => Tensor][] = [
  ['exp', ops.exp],
  ['log', ops.log],
  ['log1p', ops.log1p],
  ['sqrt', ops.sqrt],
  ['abs', ops.abs],
  ['square', ops.square],
  ['sin', ops.sin],
  ['cos', ops.cos],
  ['relu', ops.relu],
  ['sigmoid', ops.sigmoid],
  ['tanh', ops.tanh],
  ['silu', ops.silu],
];

const comparisons: [string, (a: Tensor, b: Tensor) => Tensor][] = [
  ['gt', ops.gt],
  ['ge', ops.ge],
  ['lt', ops.lt],
  ['le', ops.le],
  ['eq', ops.eq],
];

/** Sum of `term(p)` over every parameter (0 for a model without parameters). */
function penalty(params: readonly Tensor[], term: (p: Tensor) => Tensor): Tensor {
  let total: Tensor = scalar(0);
  for (const p of params) total = ops.add(total, ops.sum(term(p)));
  return total;
}

/** max/min over all elements or one dimension; keepdim without dim keeps every dimension as 1. */
function extremum(reduce: typeof ops.max): (a: Args) => Tensor {
  return (a) => {
    const x = a.tensor('input');
    const dim = a.optionalNumber('dim');
    const out = reduce(x, dim, a.bool('keepdim'));
    return dim === undefined && a.bool('keepdim')
      ? ops.reshape(
          out,
          x.shape.map(() => 1),
        )
      : out;
  };
}

const definitions: FunctionDef[] = [
  ...unaryOps.map(
    ([name, op]): FunctionDef => ({
      name,
      category: 'elementwise',
      params: [input],
      apply: (a) => op(a.tensor('input')),
    }),
  ),
  {
    name: 'softplus',
    category: 'elementwise',
    params: [
      input,
      { name: 'beta', type: number, default: 1 },
      { name: 'threshold', type: number, default: 20 },
    ],
    apply: (a) => ops.softplus(a.tensor('input'), a.number('beta'), a.number('threshold')),
  },
  {
    name: 'gelu',
    category: 'elementwise',
    params: [input, keywordParam('approximate', { kind: 'choice', values: ['none', 'tanh'] }, 'none')],
    apply: (a) => ops.gelu(a.tensor('input'), a.string<'none' | 'tanh'>('approximate')),
  },
  {
    name: 'elu',
    category: 'elementwise',
    params: [input, { name: 'alpha', type: number, default: 1 }],
    apply: (a) => ops.elu(a.tensor('input'), a.number('alpha')),
  },
  {
    name: 'leaky_relu',
    category: 'elementwise',
    params: [input, { name: 'negative_slope', type: number, default: 0.01 }],
    apply: (a) => ops.leakyRelu(a.tensor('input'), a.number('negative_slope')),
  },
  {
    name: 'clamp',
    category: 'elementwise',
    params: [
      input,
      { name: 'min', type: { kind: 'number', nullable: true }, default: null },
      { name: 'max', type: { kind: 'number', nullable: true }, default: null },
    ],
    validate: (c) =>
      c('min') === null && c('max') === null ? "at least one of 'min' or 'max' must not be None" : undefined,
    apply: (a) => ops.clamp(a.tensor('input'), a.optionalNumber('min'), a.optionalNumber('max')),
  },
  {
    name: 'pow',
    category: 'elementwise',
    params: [input, tensorParam('exponent')],
    apply: (a) => ops.pow(a.tensor('input'), a.tensor('exponent')),
  },
  {
    name: 'maximum',
    category: 'elementwise',
    params: [input, other],
    apply: (a) => ops.maximum(a.tensor('input'), a.tensor('other')),
  },
  {
    name: 'minimum',
    category: 'elementwise',
    params: [input, other],
    apply: (a) => ops.minimum(a.tensor('input'), a.tensor('other')),
  },
  {
    name: 'where',
    category: 'elementwise',
    params: [tensorParam('condition'), input, other],
    apply: (a) => ops.where(a.tensor('condition'), a.tensor('input'), a.tensor('other')),
  },
  ...comparisons.map(
    ([name, op]): FunctionDef => ({
      name,
      category: 'comparison',
      params: [input, other],
      apply: (a) => op(a.tensor('input'), a.tensor('other')),
    }),
  ),
  {
    name: 'sum',
    category: 'reduction',
    params: [input, dims, keepdim],
    apply: (a) => ops.sum(a.tensor('input'), a.dims('dim'), a.bool('keepdim')),
  },
  {
    name: 'mean',
    category: 'reduction',
    params: [input, dims, keepdim],
    apply: (a) => ops.mean(a.tensor('input'), a.dims('dim'), a.bool('keepdim')),
  },
  { name: 'max', category: 'reduction', params: [input, optionalDim, keepdim], apply: extremum(ops.max) },
  { name: 'min', category: 'reduction', params: [input, optionalDim, keepdim], apply: extremum(ops.min) },
  {
    name: 'logsumexp',
    category: 'reduction',
    params: [input, dims, keepdim],
    apply: (a) => {
      const x = a.tensor('input');
      const dim = a.dims('dim') ?? Array.from({ length: x.ndim }, (_, i) => i);
      return ops.logsumexp(x, dim, a.bool('keepdim'));
    },
  },
  {
    name: 'softmax',
    category: 'reduction',
    params: [input, requiredDim],
    apply: (a) => ops.softmax(a.tensor('input'), a.number('dim')),
  },
  {
    name: 'log_softmax',
    category: 'reduction',
    params: [input, requiredDim],
    apply: (a) => ops.logSoftmax(a.tensor('input'), a.number('dim')),
  },
  {
    name: 'l1',
    category: 'penalty',
    params: [{ name: 'params', type: { kind: 'params' } }],
    apply: (a) => penalty(a.tensors('params'), ops.abs),
  },
  {
    name: 'l2',
    category: 'penalty',
    params: [{ name: 'params', type: { kind: 'params' } }],
    apply: (a) => penalty(a.tensors('params'), ops.square),
  },
  ...lossFunctions,
];

/** Every function by name: a frozen, prototype-free map (so `__proto__` is just an unknown name). */
export const FUNCTIONS: Readonly<Record<string, FunctionDef>> = Object.freeze(
  Object.assign(
    Object.create(null) as Record<string, FunctionDef>,
    Object.fromEntries(definitions.map((d) => [d.name, d])),
  ),
);

export function lookupFunction(name: string): FunctionDef | undefined {
  return Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
}
