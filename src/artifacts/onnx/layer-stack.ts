/** A stack of layers as ONNX nodes, each through its exporter (./layers.ts), with its weights by state-dict prefix. */
import type { LayerSpec } from '../../engine/nn/registry.js';
import { checkLayerShapes } from '../../engine/nn/shape-check.js';
import { OnnxExportError } from './errors.js';
import type { OnnxGraph } from './graph.js';
import { type LayerContext, onnxLayers, type StateTensor } from './layers.js';

/**
 * Layers in order from `value` of per-sample `shape`; layer i's state-dict prefix is `key(i)`
 * (`2` in a Sequential, `block.0` in a graph's nested Sequential, `conv1` for a graph node).
 */
export function exportLayers(
  graph: OnnxGraph,
  value: string,
  sampleShape: readonly number[],
  layers: readonly LayerSpec[],
  key: (index: number) => string,
  stateDict: Readonly<Record<string, StateTensor>>,
): { value: string; shape: readonly number[] } {
  let shape = [...sampleShape];
  layers.forEach((layer, index) => {
    const ctx = layerContext(graph, value, shape, key(index), layer, stateDict);
    // The table's entry for this type takes this layer: TypeScript cannot pair them by itself.
    value = (onnxLayers[layer.type] as (l: LayerSpec, c: LayerContext) => string)(layer, ctx);
    const next = checkLayerShapes([layer], shape);
    if (next.outputShape === null)
      throw new OnnxExportError(
        `layer ${key(index)} (${layer.type}): ${next.issues[0]?.message ?? 'bad input shape'}`,
      );
    shape = next.outputShape;
  });
  return { value, shape };
}

function layerContext(
  graph: OnnxGraph,
  input: string,
  inputShape: readonly number[],
  prefix: string,
  layer: LayerSpec,
  stateDict: Readonly<Record<string, StateTensor>>,
): LayerContext {
  const name = `${prefix.replaceAll('.', '_')}_${layer.type}`;
  const tensor = (key: string) => {
    const t = stateDict[`${prefix}.${key}`];
    if (t === undefined) throw new OnnxExportError(`the weights have no ${prefix}.${key}`);
    return t;
  };
  return {
    graph,
    input,
    inputShape,
    name,
    tensor,
    param(key, dims) {
      const t = tensor(key);
      return graph.float(`${prefix}.${key}`, dims ?? t.shape, t.data);
    },
  };
}
