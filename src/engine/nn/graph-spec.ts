/**
 * The graph form of a model: named nodes, each a layer (a submodule, registered under the node's
 * name as a PyTorch module attribute) or a tensor op (`add`, `mul`, `cat`, `mean`, `reshape`,
 * `permute`, `select`, as in a module's `forward`), wired by name:
 *
 *   {"inputs": ["x"], "nodes": [
 *     {"name": "conv1", "layer": {"type": "Conv2d", ...}, "input": "x"},
 *     {"name": "sum", "op": "add", "inputs": ["conv1", "x"]}, ...], "output": "sum"}
 *
 * Dims of ops count the batch dimension, as in PyTorch (`x.mean(dim=1)` over channels of (N, C)).
 * This file parses the JSON; graph-check.ts checks names, order and shapes.
 */
import { z } from 'zod';
import { collectIssues, type IssuePath, SpecError, type SpecIssue } from '../errors.js';
import { parseTyped, parseWith } from '../spec-parse.js';
import { type LayerSpec, layerRegistry, layerSpecSchema } from './registry.js';

/** A node name is a Python identifier without dots, as a module attribute (`conv1`, `bn_1`). */
const nodeName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*$/,
    'a name is a Python identifier: letters, digits and _, not first a digit',
  );
const ref = z.string().min(1);
const int = z.number().int();

export const sequentialLayerSchema = z.strictObject({
  type: z.literal('Sequential'),
  layers: z.array(layerSpecSchema).min(1),
});
/** A graph node's layer: any layer, or an `nn.Sequential` of layers (`block.0.weight`). */
export const graphLayerSchema = z.union([layerSpecSchema, sequentialLayerSchema]);
export type GraphLayerSpec = z.output<typeof graphLayerSchema>;

const layerNode = z.strictObject({ name: nodeName, layer: graphLayerSchema, input: ref });

const opNode = <O extends string, F extends z.ZodRawShape>(op: O, fields: F) =>
  z.strictObject({ name: nodeName, op: z.literal(op), ...fields });
/** The op nodes, keyed by op. */
const opNodes = {
  /** `torch.add(a, b)` (`a + b`), broadcasting. */
  add: opNode('add', { inputs: z.array(ref).length(2, 'add takes two inputs') }),
  /** `torch.mul(a, b)` (`a * b`), broadcasting. */
  mul: opNode('mul', { inputs: z.array(ref).length(2, 'mul takes two inputs') }),
  /** `torch.cat(inputs, dim)`. */
  cat: opNode('cat', { inputs: z.array(ref).min(1, 'cat takes at least one input'), dim: int }),
  /** `x.mean(dim, keepdim)`; dim one int or a list. */
  mean: opNode('mean', {
    input: ref,
    dim: z.union([int, z.array(int).min(1)]),
    keepdim: z.boolean().default(false),
  }),
  /** `x.reshape(shape)`; shape[0] is -1 (the batch), the rest give each sample's shape. */
  reshape: opNode('reshape', { input: ref, shape: z.array(int.min(-1)).min(1) }),
  /** `x.permute(dims)`; dims[0] is 0 (the batch stays first). */
  permute: opNode('permute', { input: ref, dims: z.array(int).min(1) }),
  /** `x.select(dim, index)`. */
  select: opNode('select', { input: ref, dim: int, index: int }),
};
export type GraphOp = keyof typeof opNodes;
export const graphOps = Object.keys(opNodes) as GraphOp[];

export const graphNodeSchema = z.union([
  layerNode,
  z.discriminatedUnion('op', [
    opNodes.add,
    opNodes.mul,
    opNodes.cat,
    opNodes.mean,
    opNodes.reshape,
    opNodes.permute,
    opNodes.select,
  ]),
]);
export type GraphOpNode = z.output<(typeof opNodes)[GraphOp]>;
export type GraphLayerNode = z.output<typeof layerNode>;
export type GraphNode = GraphLayerNode | GraphOpNode;

export const graphModelSchema = z.strictObject({
  inputs: z
    .array(nodeName)
    .length(1, 'a model takes one input (the data x)')
    .describe('The name of the model input, e.g. ["x"].'),
  nodes: z.array(graphNodeSchema).min(1, 'a graph needs at least one node'),
  output: ref.describe('The node whose value the model returns.'),
});
export type GraphModelSpec = z.output<typeof graphModelSchema>;

/** The names a node reads, with the path of each reference. */
export function nodeInputs(node: GraphNode): { name: string; field: IssuePath }[] {
  if ('input' in node) return [{ name: node.input, field: ['input'] }];
  return node.inputs.map((name, k) => ({ name, field: ['inputs', k] }));
}

function parseLayer(value: unknown, at: IssuePath): GraphLayerSpec {
  const type = (value as { type?: unknown } | null)?.type;
  if (type !== 'Sequential') return parseTyped(layerRegistry, value, 'layer', at) as LayerSpec;
  const seq = parseWith(
    z.strictObject({ type: z.literal('Sequential'), layers: z.array(z.unknown()).min(1) }),
    value,
    at,
  );
  const issues: SpecIssue[] = [];
  const layers = seq.layers.map((l, j) =>
    collectIssues(issues, () => parseTyped(layerRegistry, l, 'layer', [...at, 'layers', j]) as LayerSpec),
  );
  if (issues.length > 0) throw new SpecError(issues);
  return { type: 'Sequential', layers: layers as LayerSpec[] };
}

function parseNode(value: unknown, at: IssuePath): GraphNode {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new SpecError([
      { path: at, message: 'a node is an object with a "name" and a "layer" or an "op"' },
    ]);
  const v = value as Record<string, unknown>;
  if ('layer' in v) {
    const { layer, ...rest } = v;
    const issues: SpecIssue[] = [];
    const base = collectIssues(issues, () => parseWith(layerNode.omit({ layer: true }), rest, at));
    const spec = collectIssues(issues, () => parseLayer(layer, [...at, 'layer']));
    if (issues.length > 0) throw new SpecError(issues);
    return { ...base!, layer: spec! };
  }
  if (typeof v.op !== 'string' || !Object.hasOwn(opNodes, v.op))
    throw new SpecError([
      {
        path: [...at, typeof v.op === 'string' ? 'op' : 'layer'],
        message:
          typeof v.op === 'string'
            ? `unknown op '${v.op}'; expected one of ${graphOps.join(', ')}`
            : `a node needs a "layer" or an "op" (one of ${graphOps.join(', ')})`,
      },
    ]);
  return parseWith(opNodes[v.op as GraphOp], v, at);
}

/** Parses the JSON of a graph, naming each bad field (`model.nodes[3].layer.in_features`). */
export function parseGraphFields(value: unknown, prefix: IssuePath): GraphModelSpec {
  const top = parseWith(
    graphModelSchema.extend({ nodes: z.array(z.unknown()).min(1, 'a graph needs at least one node') }),
    value,
    prefix,
  );
  const issues: SpecIssue[] = [];
  const nodes = top.nodes.map((n, i) => collectIssues(issues, () => parseNode(n, [...prefix, 'nodes', i])));
  if (issues.length > 0) throw new SpecError(issues);
  return { inputs: top.inputs, nodes: nodes as GraphNode[], output: top.output };
}

export function isGraphSpec(model: object): model is GraphModelSpec {
  return 'nodes' in model;
}
