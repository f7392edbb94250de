/**
 * A model spec in either form: `{"layers": [...]}` (an nn.Sequential) or a graph of named nodes
 * (graph-spec.ts). Parsing, building, and one shape walk over both that lists every layer and op
 * with its per-sample shapes (for the data checks and the activation-memory estimate).
 */
import { type IssuePath, SpecError } from '../errors.js';
import type { Generator } from '../random.js';
import { Graph } from './graph.js';
import { checkGraphShapes, checkGraphStructure } from './graph-check.js';
import { type GraphModelSpec, isGraphSpec, parseGraphFields } from './graph-spec.js';
import type { Module } from './module.js';
import { buildLayer, buildModel, type LayerSpec, type ModelSpec, parseModelSpec } from './registry.js';
import { Sequential } from './sequential.js';
import { checkLayerShapes } from './shape-check.js';

/** Either form of a model. */
export type AnyModelSpec = ModelSpec | GraphModelSpec;
export { isGraphSpec };

/** Parses either form; a graph's names, references, cycles and unused nodes are checked too. */
export function parseAnyModelSpec(value: unknown, prefix: IssuePath = []): AnyModelSpec {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && 'nodes' in value) {
    const graph = parseGraphFields(value, prefix);
    const { issues } = checkGraphStructure(graph);
    if (issues.length > 0)
      throw new SpecError(issues.map((i) => ({ path: [...prefix, ...i.path], message: i.message })));
    return graph;
  }
  return parseModelSpec(value, prefix);
}

/**
 * Builds the module of a model spec: an nn.Sequential, or a Graph whose layer nodes are built in
 * listing order. Initial weights are drawn from `generator` in that order (weight, then bias).
 */
export function buildAnyModel(spec: unknown, generator: Generator): Module {
  const parsed = parseAnyModelSpec(spec);
  if (!isGraphSpec(parsed)) return buildModel(parsed, generator);
  const { order } = checkGraphStructure(parsed);
  const layers = new Map<string, Module>();
  for (const node of parsed.nodes) {
    if (!('layer' in node)) continue;
    const l = node.layer;
    layers.set(
      node.name,
      l.type === 'Sequential'
        ? new Sequential(...l.layers.map((s) => buildLayer(s, generator)))
        : buildLayer(l, generator),
    );
  }
  return new Graph(parsed, order, layers);
}

/** Every layer spec of a model, with its path (`layers[2]`, `nodes[1].layer.layers[0]`). */
export function modelLayers(model: AnyModelSpec): { path: IssuePath; spec: LayerSpec }[] {
  if (!isGraphSpec(model)) return model.layers.map((spec, i) => ({ path: ['layers', i], spec }));
  return model.nodes.flatMap((node, i) => {
    if (!('layer' in node)) return [];
    const l = node.layer;
    return l.type === 'Sequential'
      ? l.layers.map((spec, j) => ({ path: ['nodes', i, 'layer', 'layers', j], spec }))
      : [{ path: ['nodes', i, 'layer'], spec: l }];
  });
}

/** The layers that read the model's input (token ids when one is an Embedding). */
export function inputLayers(model: AnyModelSpec): LayerSpec[] {
  if (!isGraphSpec(model)) return model.layers.slice(0, 1);
  return model.nodes.flatMap((node) => {
    if (!('layer' in node) || node.input !== model.inputs[0]) return [];
    return [node.layer.type === 'Sequential' ? node.layer.layers[0] : node.layer];
  });
}

/** One layer or op of a model with its per-sample input and output shapes. */
export interface ModelStep {
  path: IssuePath;
  /** A layer spec, or `{type: op}` for a graph op. */
  spec: LayerSpec | { type: string };
  /** An op's inputs; a layer's one input. */
  inputs: number[][];
  output: number[];
}

export interface ModelShapeCheck {
  /** Per-sample output shape; null when a step failed or has no shape rule. */
  outputShape: number[] | null;
  /** The steps as far as the walk got, in run order. */
  steps: ModelStep[];
  /** The first step whose output shape is unknown (no shape rule), or null. */
  unknownAt: { path: IssuePath; type: string } | null;
  /** Paths relative to the model (`layers[0].in_features`, `nodes[3].inputs[1]`). */
  issues: SpecError['issues'];
}

export function checkModelShapes(model: AnyModelSpec, sampleShape: readonly number[]): ModelShapeCheck {
  if (!isGraphSpec(model)) {
    const c = checkLayerShapes(model.layers, sampleShape);
    const steps = c.layerShapes.map((output, i) => ({
      path: ['layers', i],
      spec: model.layers[i],
      inputs: [i === 0 ? [...sampleShape] : c.layerShapes[i - 1]],
      output,
    }));
    const n = c.layerShapes.length;
    const unknownAt =
      c.issues.length === 0 && n < model.layers.length
        ? { path: ['layers', n], type: model.layers[n].type }
        : null;
    return { outputShape: c.outputShape, steps, unknownAt, issues: c.issues };
  }
  const c = checkGraphShapes(model, sampleShape);
  const steps: ModelStep[] = [
    ...c.layers.map((l) => ({ path: l.path, spec: l.spec, inputs: [l.input], output: l.output })),
    ...c.ops.map((o) => ({ path: o.path, spec: { type: o.op }, inputs: o.inputs, output: o.output })),
  ];
  const unknownAt =
    c.unknownAt === null ? null : { path: c.unknownAt, type: layerAt(model, c.unknownAt)?.type ?? 'layer' };
  return { outputShape: c.outputShape, steps, unknownAt, issues: c.issues };
}

function layerAt(model: AnyModelSpec, path: IssuePath): LayerSpec | undefined {
  const key = JSON.stringify(path);
  return modelLayers(model).find((l) => JSON.stringify(l.path) === key)?.spec;
}
