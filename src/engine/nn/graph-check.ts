/**
 * Checks a model graph before it is built: every name is defined once, every reference names an
 * earlier-or-later node or the input, there is no cycle, every node feeds the output; then, given
 * the per-sample input shape, shapes are walked through each node (layers by the sequential shape
 * checker, ops by PyTorch's rules) so a bad graph is a 400 naming the node, e.g.
 * `model.nodes[3].inputs[1]`. Shapes here are per sample (no batch dimension); op dims count it.
 */
import type { IssuePath, SpecIssue } from '../errors.js';
import { numel, shapeToString } from '../tensor.js';
import { type GraphModelSpec, type GraphOpNode, nodeInputs } from './graph-spec.js';
import type { LayerSpec } from './registry.js';
import { checkLayerShapes } from './shape-check.js';

/** The nodes in an order that runs each after its inputs (ties in listing order), or issues. */
export function checkGraphStructure(spec: GraphModelSpec): { order: number[]; issues: SpecIssue[] } {
  const issues: SpecIssue[] = [];
  const input = spec.inputs[0];
  const index = new Map<string, number>();
  spec.nodes.forEach((node, i) => {
    if (node.name === input)
      issues.push({ path: ['nodes', i, 'name'], message: `'${node.name}' is the model input's name` });
    else if (index.has(node.name))
      issues.push({
        path: ['nodes', i, 'name'],
        message: `duplicate node name '${node.name}' (also nodes[${index.get(node.name)}])`,
      });
    else index.set(node.name, i);
  });
  spec.nodes.forEach((node, i) => {
    for (const { name, field } of nodeInputs(node))
      if (name !== input && !index.has(name))
        issues.push({ path: ['nodes', i, ...field], message: unknownName(name, spec) });
  });
  if (spec.output !== input && !index.has(spec.output))
    issues.push({ path: ['output'], message: unknownName(spec.output, spec) });
  if (issues.length > 0) return { order: [], issues };

  // Kahn's algorithm, scanning in listing order so a graph listed in order runs in that order.
  const done = new Set<string>([input]);
  const order: number[] = [];
  const pending = spec.nodes.map((_, i) => i);
  for (let progress = true; progress && pending.length > 0; ) {
    progress = false;
    for (let k = 0; k < pending.length; k++) {
      const node = spec.nodes[pending[k]];
      if (!nodeInputs(node).every((r) => done.has(r.name))) continue;
      done.add(node.name);
      order.push(pending[k]);
      pending.splice(k, 1);
      progress = true;
      break;
    }
  }
  if (pending.length > 0) {
    const cycle = findCycle(spec, pending, index);
    return {
      order: [],
      issues: [
        {
          path: ['nodes', cycle.at],
          message: `the graph has a cycle: ${cycle.names.join(' → ')}`,
        },
      ],
    };
  }
  // Every node must feed the output (an unused layer would be trained by nothing).
  const used = new Set<string>([spec.output]);
  for (let k = order.length - 1; k >= 0; k--) {
    const node = spec.nodes[order[k]];
    if (used.has(node.name)) for (const r of nodeInputs(node)) used.add(r.name);
  }
  spec.nodes.forEach((node, i) => {
    if (!used.has(node.name))
      issues.push({
        path: ['nodes', i],
        message: `node '${node.name}' is not used: the output '${spec.output}' does not depend on it`,
      });
  });
  if (!used.has(input))
    issues.push({ path: ['inputs', 0], message: `the output '${spec.output}' does not depend on the input` });
  return { order, issues };
}

function unknownName(name: string, spec: GraphModelSpec): string {
  return `unknown node '${name}'; known: ${[...spec.inputs, ...spec.nodes.map((n) => n.name)].join(', ')}`;
}

function findCycle(
  spec: GraphModelSpec,
  pending: number[],
  index: Map<string, number>,
): { at: number; names: string[] } {
  const left = new Set(pending);
  const seen: number[] = [];
  let i = pending[0];
  while (!seen.includes(i)) {
    seen.push(i);
    i = nodeInputs(spec.nodes[i])
      .map((r) => index.get(r.name))
      .find((j) => j !== undefined && left.has(j))!;
  }
  const loop = seen.slice(seen.indexOf(i));
  const names = [...loop, i].map((j) => spec.nodes[j].name).reverse();
  return { at: Math.min(...loop), names };
}

/** One layer of the graph with its per-sample shapes, for activation memory and batch checks. */
export interface GraphLayerStep {
  path: IssuePath;
  spec: LayerSpec;
  input: number[];
  output: number[];
}
/** One op node with its per-sample input and output shapes. */
export interface GraphOpStep {
  path: IssuePath;
  op: string;
  inputs: number[][];
  output: number[];
}

export interface GraphShapeCheck {
  /** Per-sample output shape, or null when a node failed or a layer has no shape rule. */
  outputShape: number[] | null;
  layers: GraphLayerStep[];
  ops: GraphOpStep[];
  /** The first node whose shape is not known (no shape rule) without an issue, or null. */
  unknownAt: IssuePath | null;
  issues: SpecIssue[];
}

/** Walks the per-sample shape through the graph (structure already checked). */
export function checkGraphShapes(spec: GraphModelSpec, sampleShape: readonly number[]): GraphShapeCheck {
  const result: GraphShapeCheck = { outputShape: null, layers: [], ops: [], unknownAt: null, issues: [] };
  const { order, issues } = checkGraphStructure(spec);
  if (issues.length > 0) return { ...result, issues };
  const shapes = new Map<string, number[]>([[spec.inputs[0], [...sampleShape]]]);
  for (const i of order) {
    const node = spec.nodes[i];
    const ins = nodeInputs(node).map((r) => shapes.get(r.name)!);
    const at: IssuePath = ['nodes', i];
    let out: number[] | null;
    if ('layer' in node) {
      const layers = node.layer.type === 'Sequential' ? node.layer.layers : [node.layer];
      const source = node.input === spec.inputs[0] ? 'the data has' : `node '${node.input}' gives`;
      const check = checkLayerShapes(layers, ins[0], source);
      // The checker's paths are `layers[j].field`: a plain layer is the node's `layer` itself.
      const rebase = (path: IssuePath): IssuePath =>
        node.layer.type === 'Sequential' ? [...at, 'layer', ...path] : [...at, 'layer', ...path.slice(2)];
      check.layerShapes.forEach((output, j) => {
        result.layers.push({
          path: rebase(['layers', j]),
          spec: layers[j],
          input: j === 0 ? ins[0] : check.layerShapes[j - 1],
          output,
        });
      });
      if (check.issues.length > 0) {
        result.issues.push(...check.issues.map((s) => ({ path: rebase(s.path), message: s.message })));
        return result;
      }
      if (check.outputShape === null) {
        result.unknownAt = rebase(['layers', check.layerShapes.length]);
        return result;
      }
      out = check.outputShape;
    } else {
      const op = opShape(node, ins);
      if ('issue' in op) {
        result.issues.push({ path: [...at, ...op.issue.field], message: op.issue.message });
        return result;
      }
      out = op.shape;
      result.ops.push({ path: at, op: node.op, inputs: ins, output: out });
    }
    shapes.set(node.name, out);
  }
  result.outputShape = shapes.get(spec.output)!;
  return result;
}

export type OpShape = { shape: number[] } | { issue: { field: IssuePath; message: string } };

/** A dim of an op (counting the batch) as a per-sample dim, or an issue. */
function sampleDim(dim: number, rank: number, field: IssuePath, op: string): number | OpShape {
  const full = rank + 1;
  const d = dim < 0 ? dim + full : dim;
  if (d < 0 || d >= full)
    return {
      issue: {
        field,
        message: `Dimension out of range (expected to be in range of [${-full}, ${full - 1}], but got ${dim})`,
      },
    };
  if (d === 0)
    return { issue: { field, message: `${op} over dim 0 would mix the batch dimension; use dim >= 1` } };
  return d - 1;
}

const full = (s: readonly number[]) => shapeToString([-1, ...s]);

/** An op node's per-sample output shape from its inputs' (dims count the batch), or the issue. */
export function opShape(node: GraphOpNode, ins: number[][]): OpShape {
  switch (node.op) {
    case 'add':
    case 'mul': {
      const [a, b] = ins;
      if (a.length !== b.length)
        return {
          issue: {
            field: ['inputs', 1],
            message: `${node.op} of shapes ${full(a)} and ${full(b)}: give both inputs the same number of dims, so the batch dims line up (broadcasting would align the batch with another dim)`,
          },
        };
      const out: number[] = [];
      for (let k = 0; k < a.length; k++) {
        if (a[k] !== b[k] && a[k] !== 1 && b[k] !== 1)
          return {
            issue: {
              field: ['inputs', 1],
              message: `The size of tensor a (${a[k]}) must match the size of tensor b (${b[k]}) at non-singleton dimension ${k + 1} (shapes ${full(a)} and ${full(b)})`,
            },
          };
        out.push(a[k] === 1 ? b[k] : a[k]);
      }
      return { shape: out };
    }
    case 'cat': {
      const first = ins[0];
      const d = sampleDim(node.dim, first.length, ['dim'], 'cat');
      if (typeof d !== 'number') return d;
      const out = [...first];
      for (let k = 1; k < ins.length; k++) {
        const s = ins[k];
        const bad = s.length !== first.length || s.some((n, j) => j !== d && n !== first[j]);
        if (bad)
          return {
            issue: {
              field: ['inputs', k],
              message: `Sizes of tensors must match except in dimension ${node.dim}: ${full(first)} and ${full(s)}`,
            },
          };
        out[d] += s[d];
      }
      return { shape: out };
    }
    case 'mean': {
      const x = ins[0];
      const dims = typeof node.dim === 'number' ? [node.dim] : node.dim;
      const ds: number[] = [];
      for (const [k, dim] of dims.entries()) {
        const d = sampleDim(dim, x.length, typeof node.dim === 'number' ? ['dim'] : ['dim', k], 'mean');
        if (typeof d !== 'number') return d;
        if (ds.includes(d))
          return {
            issue: { field: ['dim', k], message: `dim ${d + 1} appears multiple times in the list of dims` },
          };
        ds.push(d);
      }
      const out = x.map((n, k) => (ds.includes(k) ? 1 : n));
      return { shape: node.keepdim ? out : out.filter((_, k) => !ds.includes(k)) };
    }
    case 'reshape': {
      const x = ins[0];
      const [batch, ...rest] = node.shape;
      if (batch !== -1)
        return {
          issue: { field: ['shape', 0], message: 'shape[0] is -1: the batch dimension (its size varies)' },
        };
      const bad = rest.findIndex((n) => n < 1);
      if (bad >= 0)
        return {
          issue: {
            field: ['shape', bad + 1],
            message: 'only shape[0] (the batch) can be -1; the others are positive sizes',
          },
        };
      if (numel(rest) !== numel(x))
        return {
          issue: {
            field: ['shape'],
            message: `shape '${shapeToString(node.shape)}' is invalid for input of shape ${full(x)} (${numel(x)} values per sample)`,
          },
        };
      return { shape: rest };
    }
    case 'permute': {
      const x = ins[0];
      const rank = x.length + 1;
      if (node.dims.length !== rank)
        return {
          issue: {
            field: ['dims'],
            message: `permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${rank} is not equal to len(dims) = ${node.dims.length}`,
          },
        };
      const ds = node.dims.map((d) => (d < 0 ? d + rank : d));
      const bad = ds.findIndex((d, k) => d < 0 || d >= rank || ds.indexOf(d) !== k);
      if (bad >= 0)
        return {
          issue: { field: ['dims', bad], message: `permute(): dims must be a permutation of 0..${rank - 1}` },
        };
      if (ds[0] !== 0)
        return { issue: { field: ['dims', 0], message: 'dims[0] is 0: the batch dimension stays first' } };
      return { shape: ds.slice(1).map((d) => x[d - 1]) };
    }
    case 'select': {
      const x = ins[0];
      const d = sampleDim(node.dim, x.length, ['dim'], 'select');
      if (typeof d !== 'number') return d;
      if (node.index < -x[d] || node.index >= x[d])
        return {
          issue: {
            field: ['index'],
            message: `select(): index ${node.index} out of range for tensor of size ${full(x)} at dimension ${d + 1}`,
          },
        };
      return { shape: x.filter((_, k) => k !== d) };
    }
  }
}
