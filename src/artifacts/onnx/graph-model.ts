/**
 * A model graph as ONNX nodes: layer nodes through the layer exporters (state-dict prefix the node
 * name, `block.0` in a nested Sequential), ops as Add, Mul, Concat, ReduceMean (opset 17: axes as
 * an attribute), Reshape, Transpose and Gather (a scalar index drops the axis, as select does).
 */
import { checkGraphStructure, opShape } from '../../engine/nn/graph-check.js';
import { type GraphModelSpec, type GraphOpNode, nodeInputs } from '../../engine/nn/graph-spec.js';
import { OnnxExportError } from './errors.js';
import { attr, type OnnxGraph } from './graph.js';
import { exportLayers } from './layer-stack.js';
import type { StateTensor } from './layers.js';

export function exportGraph(
  graph: OnnxGraph,
  input: string,
  sampleShape: readonly number[],
  spec: GraphModelSpec,
  stateDict: Readonly<Record<string, StateTensor>>,
): { value: string; shape: readonly number[] } {
  const { order, issues } = checkGraphStructure(spec);
  if (issues.length > 0) throw new OnnxExportError(`model graph: ${issues[0].message}`);
  const values = new Map<string, { value: string; shape: readonly number[] }>([
    [spec.inputs[0], { value: input, shape: sampleShape }],
  ]);
  for (const i of order) {
    const node = spec.nodes[i];
    const ins = nodeInputs(node).map((r) => values.get(r.name)!);
    if ('layer' in node) {
      const seq = node.layer.type === 'Sequential';
      const layers = node.layer.type === 'Sequential' ? node.layer.layers : [node.layer];
      const key = (j: number) => (seq ? `${node.name}.${j}` : node.name);
      values.set(node.name, exportLayers(graph, ins[0].value, ins[0].shape, layers, key, stateDict));
      continue;
    }
    const shape = opShape(
      node,
      ins.map((v) => [...v.shape]),
    );
    if ('issue' in shape) throw new OnnxExportError(`node ${node.name}: ${shape.issue.message}`);
    const value = opNode(
      graph,
      node,
      ins.map((v) => v.value),
      ins[0].shape.length + 1,
    );
    values.set(node.name, { value, shape: shape.shape });
  }
  return values.get(spec.output)!;
}

function opNode(graph: OnnxGraph, node: GraphOpNode, ins: string[], rank: number): string {
  const name = node.name;
  switch (node.op) {
    case 'add':
      return graph.node('Add', ins, name);
    case 'mul':
      return graph.node('Mul', ins, name);
    case 'cat':
      return graph.node('Concat', ins, name, { axis: attr.int(node.dim) });
    case 'mean':
      return graph.node('ReduceMean', ins, name, {
        axes: attr.ints(typeof node.dim === 'number' ? [node.dim] : node.dim),
        keepdims: attr.int(node.keepdim ? 1 : 0),
      });
    case 'reshape':
      return graph.node(
        'Reshape',
        [ins[0], graph.int64(`${name}.shape`, [node.shape.length], node.shape)],
        name,
      );
    case 'permute':
      return graph.node('Transpose', ins, name, {
        perm: attr.ints(node.dims.map((d) => (d < 0 ? d + rank : d))),
      });
    case 'select':
      return graph.node('Gather', [ins[0], graph.int64(`${name}.index`, [], [node.index])], name, {
        axis: attr.int(node.dim),
      });
  }
}
