/**
 * ONNX export of sequence models (Embedding as Gather, RNN/LSTM/GRU as ONNX's operators with the
 * gate blocks reordered, Select as Gather, Mean as ReduceMean): each trained job's file runs in
 * ONNX Runtime and gives what `POST /v1/jobs/{id}/predict` gives, outputs within 1e-5 and
 * predictions equal; where Debian's python3-onnx is installed, its full checker passes too.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeModel } from '../../src/artifacts/onnx/proto.js';
import { expectOnnxChecks, hasOnnxChecker } from '../helpers/onnx-checker.js';
import { request, useTestService, waitForStatus } from '../helpers/service.js';

const TOLERANCE = 1e-5;

const tokens = (n: number, len: number, vocab: number, seed: number) =>
  Array.from({ length: n }, (_, i) =>
    Array.from({ length: len }, (_, j) => (i * 7 + j * seed + i * j) % vocab),
  );
const waves = (n: number, len: number, seed: number) =>
  Array.from({ length: n }, (_, i) => Array.from({ length: len }, (_, j) => Math.sin(0.6 * j + i * seed)));

const KINDS: Record<string, { job: object; x: number[][]; ops: string[] }> = {
  embedding_lstm_bidirectional_2_layers: {
    job: {
      model: {
        layers: [
          { type: 'Embedding', num_embeddings: 5, embedding_dim: 4, padding_idx: 0 },
          {
            type: 'LSTM',
            input_size: 4,
            hidden_size: 6,
            num_layers: 2,
            bidirectional: true,
            batch_first: true,
          },
          { type: 'Select', dim: 1, index: -1 },
          { type: 'Linear', in_features: 12, out_features: 3 },
        ],
      },
      loss: { type: 'CrossEntropyLoss' },
      optimizer: { type: 'Adam', lr: 0.02 },
      data: { x: tokens(48, 7, 5, 3), y: tokens(48, 7, 5, 3).map((r) => r[2] % 3) },
      training: { epochs: 4, batch_size: 12 },
    },
    x: tokens(10, 7, 5, 4),
    ops: ['Gather', 'LSTM'],
  },
  gru_regression_mean: {
    job: {
      model: {
        layers: [
          { type: 'Unflatten', dim: 1, unflattened_size: [8, 1] },
          { type: 'GRU', input_size: 1, hidden_size: 5, batch_first: true },
          { type: 'Mean', dim: 1 },
          { type: 'Linear', in_features: 5, out_features: 1 },
        ],
      },
      loss: { type: 'MSELoss' },
      optimizer: { type: 'Adam', lr: 0.02 },
      data: { x: waves(40, 8, 0.3), y: waves(40, 9, 0.3).map((r) => [r[8]]) },
      training: { epochs: 4, batch_size: 8, normalize: 'standard' },
    },
    x: waves(9, 8, 0.7),
    ops: ['GRU', 'ReduceMean'],
  },
  rnn_relu_time_major_bidirectional_no_bias: {
    job: {
      model: {
        layers: [
          { type: 'Unflatten', dim: 1, unflattened_size: [3, 2] },
          {
            type: 'RNN',
            input_size: 2,
            hidden_size: 4,
            nonlinearity: 'relu',
            bidirectional: true,
            bias: false,
          },
          { type: 'Mean', dim: -1, keepdim: true },
          { type: 'Flatten' },
          { type: 'Linear', in_features: 3, out_features: 2 },
        ],
      },
      loss: { type: 'CrossEntropyLoss' },
      optimizer: { type: 'SGD', lr: 0.05 },
      data: { x: waves(32, 6, 0.9), y: waves(32, 6, 0.9).map((r) => (r[0] > 0 ? 1 : 0)) },
      training: { epochs: 3, batch_size: 8 },
    },
    x: waves(12, 6, 1.1),
    ops: ['RNN'],
  },
  rnn_tanh_2_layers_dropout: {
    job: {
      model: {
        layers: [
          { type: 'Unflatten', dim: 1, unflattened_size: [5, 1] },
          { type: 'RNN', input_size: 1, hidden_size: 6, num_layers: 2, dropout: 0.2, batch_first: true },
          { type: 'Select', dim: 1, index: 2 },
          { type: 'Linear', in_features: 6, out_features: 2 },
        ],
      },
      loss: { type: 'CrossEntropyLoss' },
      optimizer: { type: 'Adam', lr: 0.01 },
      data: { x: waves(32, 5, 0.4), y: waves(32, 5, 0.4).map((r) => (r[4] > 0 ? 1 : 0)) },
      training: { epochs: 3, batch_size: 8 },
    },
    x: waves(6, 5, 1.3),
    ops: ['RNN'],
  },
};

describe('ONNX export of sequence models', () => {
  const service = useTestService();
  let dir: string;
  const ids: Record<string, string> = {};
  const differences: Record<string, number> = {};
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trainyard-onnx-seq-'));
    for (const [kind, { job }] of Object.entries(KINDS)) {
      const created = await request(`${service.url}/v1/jobs`, { body: { name: kind, ...job } });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      ids[kind] = created.body.id;
    }
    for (const id of Object.values(ids)) {
      const done = await waitForStatus(service.url, id, ['succeeded', 'failed'], 60_000);
      expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    }
  }, 120_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    console.log(
      `ONNX Runtime vs predict (sequence models), max |difference|: ${JSON.stringify(differences)}`,
    );
  });

  it.each(Object.keys(KINDS))('%s: ONNX Runtime computes what predict does', async (kind) => {
    const { x, ops } = KINDS[kind];
    const res = await fetch(`${service.url}/v1/jobs/${ids[kind]}/model?format=onnx`);
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const graph = (decodeModel(bytes) as { graph: { node: { op_type: string }[] } }).graph;
    const types = new Set(graph.node.map((n) => n.op_type));
    for (const op of ops) expect(types).toContain(op);

    const session = await InferenceSession.create(bytes);
    const feeds = { input: new Tensor('float32', Float32Array.from(x.flat()), [x.length, x[0].length]) };
    const results = await session.run(feeds);
    const ours = (await request(`${service.url}/v1/jobs/${ids[kind]}/predict`, { body: { x } })).body;
    const expected = (ours.outputs as number[][]).flat(Number.POSITIVE_INFINITY as 1) as number[];
    expect(results.output.dims[0]).toBe(x.length);
    expect(results.output.data.length).toBe(expected.length);
    let max = 0;
    for (let i = 0; i < expected.length; i++)
      max = Math.max(max, Math.abs((results.output.data[i] as number) - expected[i]));
    differences[kind] = max;
    expect(max).toBeLessThanOrEqual(TOLERANCE);
    if (ours.predictions !== undefined) {
      const predicted = Array.from(results.predictions.data as BigInt64Array, Number);
      expect(predicted).toEqual((ours.predictions as number[]).flat(Number.POSITIVE_INFINITY as 1));
    }

    if (hasOnnxChecker) {
      const file = join(dir, `${kind}.onnx`);
      writeFileSync(file, bytes);
      expectOnnxChecks(file);
    }
  });
});
