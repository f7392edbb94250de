/**
 * Runs one case of the losses conformance file: builds the loss from its spec, evaluates it on the
 * case's input and target (and var), and backpropagates a ones gradient of the output's shape.
 * Reads only the inputs, never the expected fields, so it also works on a stripped file.
 * Class-index vs class-probability targets need no special handling: CrossEntropyLoss tells them
 * apart by shape, as PyTorch does.
 */
import { buildLoss } from '../engine/losses/registry.js';
import { type NestedArray, ones, type Tensor, tensor } from '../engine/tensor.js';

export interface LossCaseInput {
  name?: string;
  loss: unknown;
  input: NestedArray;
  target: NestedArray;
  var?: NestedArray;
}

export interface LossCaseResult {
  output: NestedArray;
  grad_input: NestedArray;
  grad_var?: NestedArray;
}

function gradOf(t: Tensor): NestedArray {
  if (t.grad === null) throw new Error('conformance: no gradient reached the input');
  return t.grad.toArray();
}

export function computeLossCase(caseJson: LossCaseInput): LossCaseResult {
  const loss = buildLoss(caseJson.loss);
  const input = tensor(caseJson.input, { requiresGrad: true });
  const target = tensor(caseJson.target);
  const variance = caseJson.var === undefined ? undefined : tensor(caseJson.var, { requiresGrad: true });
  const output = loss.forward(input, target, variance);
  output.backward(ones(output.shape));
  const result: LossCaseResult = { output: output.toArray(), grad_input: gradOf(input) };
  if (variance !== undefined) result.grad_var = gradOf(variance);
  return result;
}
