/**
 * A model graph as a module: each layer node is a submodule registered under its name (so the
 * state dict reads `conv1.weight`, `block.0.weight`, as a PyTorch module with those attributes),
 * and `forward` runs the nodes in order, ops as in a PyTorch `forward` (`torch.add`, `x.mean`, …).
 */
import { add, mul } from '../ops/elementwise.js';
import { mean } from '../ops/reduce.js';
import { cat, permute, reshape } from '../ops/shape.js';
import type { Tensor } from '../tensor.js';
import type { GraphModelSpec, GraphOpNode } from './graph-spec.js';
import { nodeInputs } from './graph-spec.js';
import { type ForwardContext, Module } from './module.js';
import { select } from './selectors.js';

export class Graph extends Module {
  private readonly modules = new Map<string, Module>();

  /** `order` runs each node after its inputs; `layers` holds each layer node's module by name. */
  constructor(
    readonly spec: GraphModelSpec,
    private readonly order: readonly number[],
    layers: ReadonlyMap<string, Module>,
  ) {
    super();
    // Registered in listing order, as PyTorch registers attributes in __init__ order.
    for (const node of spec.nodes) {
      const module = layers.get(node.name);
      if (module === undefined) continue;
      this.registerModule(node.name, module);
      this.modules.set(node.name, module);
    }
  }

  forward(input: Tensor, context: ForwardContext = {}): Tensor {
    const values = new Map<string, Tensor>([[this.spec.inputs[0], input]]);
    for (const i of this.order) {
      const node = this.spec.nodes[i];
      const ins = nodeInputs(node).map((r) => values.get(r.name)!);
      const out = 'layer' in node ? this.modules.get(node.name)!.forward(ins[0], context) : runOp(node, ins);
      values.set(node.name, out);
    }
    return values.get(this.spec.output)!;
  }
}

export function runOp(node: GraphOpNode, ins: Tensor[]): Tensor {
  switch (node.op) {
    case 'add':
      return add(ins[0], ins[1]);
    case 'mul':
      return mul(ins[0], ins[1]);
    case 'cat':
      return cat(ins, node.dim);
    case 'mean':
      return mean(ins[0], node.dim, node.keepdim);
    case 'reshape':
      return reshape(ins[0], node.shape);
    case 'permute':
      return permute(ins[0], node.dims);
    case 'select':
      return select(ins[0], node.dim, node.index);
  }
}
