/**
 * PyTorch 1.13 vectors for the graph ops (test/fixtures/torch/gen_graph.py → graph.json): each op
 * node's output and the gradients of sum(output * upstream) for every input, and the graph
 * checker's shape rule against PyTorch's output shape. A finite-difference check of every op.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mismatch } from '../../../src/conformance/compare.js';
import { runOp } from '../../../src/engine/nn/graph.js';
import { opShape } from '../../../src/engine/nn/graph-check.js';
import type { GraphOpNode } from '../../../src/engine/nn/graph-spec.js';
import { type NestedArray, tensor } from '../../../src/engine/tensor.js';
import { gradcheck } from '../../helpers/gradcheck.js';

const file = JSON.parse(readFileSync(new URL('../../fixtures/torch/graph.json', import.meta.url), 'utf8'));
type Case = {
  name: string;
  node: GraphOpNode;
  inputs: NestedArray[];
  input_shapes: number[][];
  upstream: NestedArray;
  output: NestedArray;
  output_shape: number[];
  grads: NestedArray[];
};
const cases = file.ops as Case[];
const nodeOf = (c: Case): GraphOpNode => c.node;

describe('graph.json ops (PyTorch 1.13)', () => {
  it('covers every op', () => {
    expect(new Set(cases.map((c) => c.node.op))).toEqual(
      new Set(['add', 'mul', 'cat', 'mean', 'reshape', 'permute', 'select']),
    );
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: forward and backward', (_n, c) => {
    const ins = c.inputs.map((v) => {
      const t = tensor(v);
      t.requiresGrad = true;
      return t;
    });
    const out = runOp(nodeOf(c), ins);
    out.backward(tensor(c.upstream));
    const got = { output: out.toArray(), grads: ins.map((t) => t.grad!.toArray()) };
    expect(out.shape).toEqual(c.output_shape);
    expect(mismatch(got, { output: c.output, grads: c.grads }, file.op_tolerance)).toBeNull();
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s: the shape rule gives PyTorch's shape", (_n, c) => {
    const shape = opShape(
      nodeOf(c),
      c.input_shapes.map((s) => s.slice(1)),
    );
    expect(shape).toEqual({ shape: c.output_shape.slice(1) });
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: finite differences', (_n, c) => {
    const ins = c.inputs.map((v) => tensor(v));
    const { maxError, worst } = gradcheck((...xs) => runOp(nodeOf(c), xs), ins);
    expect(maxError, worst).toBe(0);
  });
});
