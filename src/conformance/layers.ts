/**
 * Computes a single-layer case (test/fixtures/torch/gen_*.py): the layer built from its JSON spec,
 * its state dict loaded, train or eval mode, the forward of `input`, and the gradients of
 * `(output * grad_output).sum()` with respect to the input and each parameter; the state dict
 * after the forward where the layer has buffers (BatchNorm's running statistics).
 * Expected values are never read.
 */
import { buildLayer, parseModelSpec } from '../engine/nn/registry.js';
import { Generator } from '../engine/random.js';
import { type NestedArray, tensor } from '../engine/tensor.js';

export interface LayerCaseInput {
  layer: unknown;
  train: boolean;
  state_dict: Record<string, NestedArray>;
  input: NestedArray;
  grad_output: NestedArray;
}

export interface LayerResult {
  output: NestedArray;
  grad_input: NestedArray | null;
  grad_params: Record<string, NestedArray | null>;
  state_dict_after?: Record<string, NestedArray>;
}

export function computeLayerCase(c: LayerCaseInput): LayerResult {
  const [spec] = parseModelSpec({ layers: [c.layer] }).layers;
  const layer = buildLayer(spec, new Generator(0));
  layer.loadStateDict(c.state_dict);
  layer.train(c.train);
  const input = tensor(c.input);
  input.requiresGrad = true;
  const output = layer.forward(input);
  output.backward(tensor(c.grad_output)); // a layer returning its input as is passes the gradient on
  const result: LayerResult = {
    output: output.toArray(),
    grad_input: input.grad?.toArray() ?? null,
    grad_params: Object.fromEntries(
      layer.namedParameters().map(([name, p]) => [name, p.grad?.toArray() ?? null]),
    ),
  };
  if (layer.namedBuffers().length > 0)
    result.state_dict_after = Object.fromEntries(
      Object.entries(layer.stateDict()).map(([name, t]) => [name, t.toArray()]),
    );
  return result;
}
