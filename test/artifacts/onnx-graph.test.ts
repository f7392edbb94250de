/**
 * ONNX export of model graphs: the every-op MLP of graph.json (mul, broadcast keepdim mean, cat,
 * reshape, permute, select, mean, add) with its PyTorch-trained final weights, exported and run in
 * ONNX Runtime, gives what the engine's predict gives; the ONNX checker passes it when installed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../../src/artifacts/onnx/export.js';
import { type GraphModelSpec, graphModelSchema } from '../../src/engine/nn/graph-spec.js';
import { type NestedArray, tensor } from '../../src/engine/tensor.js';
import { predict } from '../../src/training/predict.js';
import { expectOnnxChecks, hasOnnxChecker } from '../helpers/onnx-checker.js';

type Case = { name: string; model: unknown; x: NestedArray; final_state_dict: Record<string, NestedArray> };
const file = JSON.parse(readFileSync(new URL('../fixtures/torch/graph.json', import.meta.url), 'utf8'));

describe('ONNX export of a model graph', () => {
  it.each((file.training as Case[]).map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    const graph: GraphModelSpec = graphModelSchema.parse(c.model);
    const state = Object.fromEntries(
      Object.entries(c.final_state_dict).map(([k, v]) => {
        const t = tensor(v);
        return [k, { shape: t.shape, data: t.data }];
      }),
    );
    const x = tensor(c.x);
    const sampleShape = x.shape.slice(1);
    const bytes = exportOnnx({
      graph,
      stateDict: state,
      sampleShape,
      normalization: null,
      predictions: { task: 'multiclass' },
      labels: null,
      name: 'graph',
    });
    if (hasOnnxChecker) {
      const dir = mkdtempSync(join(tmpdir(), 'trainyard-onnx-graph-'));
      writeFileSync(join(dir, 'm.onnx'), bytes);
      expectOnnxChecks(join(dir, 'm.onnx'));
      rmSync(dir, { recursive: true, force: true });
    }
    const expected = predict(
      { model: graph, loss: { type: 'CrossEntropyLoss' } as never },
      c.final_state_dict,
      c.x as NestedArray[],
    );
    const session = await InferenceSession.create(bytes);
    const { output, predictions } = await session.run({ input: new Tensor('float32', x.data, x.shape) });
    const flat = (expected.outputs as number[][]).flat();
    expect(output.dims).toEqual([x.shape[0], 3]);
    let max = 0;
    for (let i = 0; i < flat.length; i++) max = Math.max(max, Math.abs((output.data[i] as number) - flat[i]));
    expect(max).toBeLessThan(1e-5);
    expect(Array.from(predictions.data as BigInt64Array, Number)).toEqual(expected.predictions);
    console.log(`ONNX Runtime vs predict for graph ${c.name}: max |difference| ${max}`);
  });
});
