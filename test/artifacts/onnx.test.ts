/**
 * `GET /v1/jobs/{id}/model?format=onnx`: every kind of model the service trains is exported,
 * run in ONNX Runtime (onnxruntime-node), and gives what `POST /v1/jobs/{id}/predict` gives,
 * outputs within 1e-5 and predictions equal. Where Debian's python3-onnx is installed, its checker
 * (full_check: schema, types and shape inference) validates every exported file as well.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeModel } from '../../src/artifacts/onnx/proto.js';
import { simpleData } from '../helpers/jobs.js';
import { expectOnnxChecks, hasOnnxChecker } from '../helpers/onnx-checker.js';
import { request, useTestService, waitForStatus } from '../helpers/service.js';

const TOLERANCE = 1e-5;

function rows(n: number, features: number, seed: number, scale = 2): number[][] {
  return simpleData(n, features, seed).x.map((row) => row.map((v) => v * scale));
}

const linear = (in_features: number, out_features: number, extra: object = {}) => ({
  type: 'Linear',
  in_features,
  out_features,
  ...extra,
});

/** One job per model kind; together they use every layer type and option the exporter handles. */
const KINDS: Record<string, { job: object; x: number[][] }> = {
  mlp_iris_normalized_labels: {
    job: {
      model: { layers: [linear(4, 16), { type: 'ReLU' }, linear(16, 3)] },
      loss: { type: 'CrossEntropyLoss' },
      optimizer: { type: 'Adam', lr: 0.02 },
      data: { builtin: 'iris' },
      training: { epochs: 8, batch_size: 16, normalize: 'standard' },
    },
    x: [
      [5.1, 3.5, 1.4, 0.2],
      [6.2, 2.9, 4.3, 1.3],
      [7.7, 3.0, 6.1, 2.3],
      [0, 0, 0, 0],
    ],
  },
  activations_regression: {
    job: {
      model: {
        layers: [
          linear(6, 12),
          { type: 'LeakyReLU', negative_slope: 0.2 },
          linear(12, 12),
          { type: 'Sigmoid' },
          linear(12, 12),
          { type: 'Tanh' },
          linear(12, 12),
          { type: 'GELU' },
          linear(12, 12),
          { type: 'GELU', approximate: 'tanh' },
          linear(12, 12),
          { type: 'ELU', alpha: 0.7 },
          linear(12, 12),
          { type: 'SiLU' },
          linear(12, 12, { bias: false }),
          { type: 'Softplus', beta: 2, threshold: 1.5 },
          linear(12, 12),
          { type: 'Softplus' },
          linear(12, 2),
        ],
      },
      loss: { type: 'MSELoss' },
      optimizer: { type: 'SGD', lr: 0.05, momentum: 0.9 },
      data: { x: rows(64, 6, 3), y: rows(64, 2, 4, 1) },
      training: { epochs: 5, batch_size: 16 },
    },
    x: rows(16, 6, 5, 4),
  },
  layernorm_dropout_identity_flatten: {
    job: {
      model: {
        layers: [
          linear(5, 8),
          { type: 'LayerNorm', normalized_shape: [8] },
          { type: 'Dropout', p: 0.3 },
          { type: 'Identity' },
          { type: 'Flatten' },
          linear(8, 8),
          { type: 'LayerNorm', normalized_shape: 8, eps: 1e-3, elementwise_affine: false },
          { type: 'Flatten', start_dim: 1, end_dim: 1 },
          linear(8, 3),
        ],
      },
      loss: { type: 'CrossEntropyLoss', label_smoothing: 0.1 },
      optimizer: { type: 'AdamW', lr: 0.01 },
      data: { x: rows(48, 5, 6), y: rows(48, 5, 6).map((r) => (r[0] > 0 ? (r[1] > 0 ? 2 : 1) : 0)) },
      training: { epochs: 6, batch_size: 12 },
    },
    x: rows(16, 5, 7, 3),
  },
  batchnorm_binary: {
    job: {
      model: {
        layers: [
          linear(4, 8),
          { type: 'BatchNorm1d', num_features: 8 },
          { type: 'ReLU' },
          linear(8, 8),
          { type: 'BatchNorm1d', num_features: 8, affine: false, eps: 1e-3, momentum: 0.3 },
          { type: 'Tanh' },
          linear(8, 8),
          { type: 'BatchNorm1d', num_features: 8, track_running_stats: false },
          linear(8, 1),
        ],
      },
      loss: { type: 'BCEWithLogitsLoss' },
      optimizer: { type: 'RMSprop', lr: 0.01 },
      data: { x: rows(64, 4, 8), y: rows(64, 4, 8).map((r) => (r[0] + r[1] > 0 ? 1 : 0)) },
      training: { epochs: 6, batch_size: 16, normalize: 'standard' },
    },
    x: rows(16, 4, 9, 3),
  },
  image_layers_from_flat_rows: {
    job: {
      model: {
        layers: [
          linear(6, 32),
          { type: 'Unflatten', dim: 1, unflattened_size: [2, -1, 4] },
          { type: 'BatchNorm2d', num_features: 2 },
          { type: 'Dropout2d', p: 0.2 },
          { type: 'ReLU' },
          { type: 'BatchNorm2d', num_features: 2, affine: false, momentum: null },
          { type: 'Flatten' },
          linear(32, 3),
        ],
      },
      loss: { type: 'CrossEntropyLoss' },
      optimizer: { type: 'Adam', lr: 0.01 },
      data: { x: rows(48, 6, 13), y: rows(48, 6, 13).map((r) => (r[0] > 0 ? (r[2] > 0 ? 2 : 1) : 0)) },
      training: { epochs: 5, batch_size: 12 },
    },
    x: rows(16, 6, 14, 3),
  },
  cnn_from_flat_rows: {
    job: {
      model: {
        layers: [
          { type: 'Unflatten', dim: 1, unflattened_size: [1, 3, 4] },
          { type: 'Conv2d', in_channels: 1, out_channels: 4, kernel_size: 2, padding: 'same', bias: false },
          { type: 'BatchNorm2d', num_features: 4 },
          { type: 'ReLU' },
          { type: 'Conv2d', in_channels: 4, out_channels: 4, kernel_size: 3, padding: 1, groups: 2 },
          { type: 'MaxPool2d', kernel_size: 2, ceil_mode: true },
          { type: 'AvgPool2d', kernel_size: 2, padding: 1, count_include_pad: false },
          { type: 'Flatten' },
          linear(4 * 2 * 2, 3),
        ],
      },
      loss: { type: 'CrossEntropyLoss' },
      optimizer: { type: 'Adam', lr: 0.01 },
      data: { x: rows(48, 12, 15), y: rows(48, 12, 15).map((r) => (r[0] > 0 ? (r[5] > 0 ? 2 : 1) : 0)) },
      training: { epochs: 4, batch_size: 12, normalize: 'standard' },
    },
    x: rows(16, 12, 16, 3),
  },
  multilabel_sigmoid_bce: {
    job: {
      model: { layers: [linear(3, 10), { type: 'ELU' }, linear(10, 4), { type: 'Sigmoid' }] },
      loss: { type: 'BCELoss' },
      optimizer: { type: 'Adam', lr: 0.02 },
      data: { x: rows(40, 3, 10), y: rows(40, 4, 11).map((r) => r.map((v) => (v > 0 ? 1 : 0))) },
      training: { epochs: 6, batch_size: 8 },
    },
    x: rows(16, 3, 12, 3),
  },
};

describe('ONNX export', () => {
  const service = useTestService();
  let dir: string;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trainyard-onnx-'));
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
  const differences: Record<string, number> = {};
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    console.log(`ONNX Runtime vs predict, max |difference| per model kind: ${JSON.stringify(differences)}`);
  });

  it.each(Object.keys(KINDS))('%s: ONNX Runtime computes what predict does', async (kind) => {
    const { x } = KINDS[kind];
    const res = await fetch(`${service.url}/v1/jobs/${ids[kind]}/model?format=onnx`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/onnx');
    expect(res.headers.get('content-disposition')).toContain(`${ids[kind]}.onnx`);
    const bytes = new Uint8Array(await res.arrayBuffer());

    const session = await InferenceSession.create(bytes);
    expect(session.inputNames).toEqual(['input']);
    const features = x[0].length;
    const feeds = { input: new Tensor('float32', Float32Array.from(x.flat()), [x.length, features]) };
    const results = await session.run(feeds);
    const ours = (await request(`${service.url}/v1/jobs/${ids[kind]}/predict`, { body: { x } })).body;

    const output = results.output;
    const expected = (ours.outputs as number[][]).flat(Number.POSITIVE_INFINITY as 1) as number[];
    expect(output.dims[0]).toBe(x.length);
    expect(output.data.length).toBe(expected.length);
    let max = 0;
    for (let i = 0; i < expected.length; i++)
      max = Math.max(max, Math.abs((output.data[i] as number) - expected[i]));
    differences[kind] = max;
    expect(max).toBeLessThanOrEqual(TOLERANCE);

    if (ours.predictions === undefined) {
      expect(session.outputNames).toEqual(['output']);
    } else {
      expect(session.outputNames).toEqual(['output', 'predictions']);
      const predicted = Array.from(results.predictions.data as BigInt64Array, Number);
      expect(predicted).toEqual((ours.predictions as number[]).flat(Number.POSITIVE_INFINITY as 1));
    }

    if (hasOnnxChecker) {
      const file = join(dir, `${kind}.onnx`);
      writeFileSync(file, bytes);
      expect(expectOnnxChecks(file)).toEqual({ opset: 17, irVersion: 8 });
    }
  });

  it('keeps the label names, the spec and the normalisation in metadata_props', async () => {
    const res = await fetch(`${service.url}/v1/jobs/${ids.mlp_iris_normalized_labels}/model?format=onnx`);
    const model = decodeModel(new Uint8Array(await res.arrayBuffer())) as {
      metadata_props: { key: string; value: string }[];
      opset_import: { version: number }[];
      graph: { node: { op_type: string }[] };
    };
    const props = Object.fromEntries(model.metadata_props.map((p) => [p.key, p.value]));
    expect(JSON.parse(props.labels)).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(props.job_id).toBe(ids.mlp_iris_normalized_labels);
    expect(JSON.parse(props.spec).layers.map((l: { type: string }) => l.type)).toEqual([
      'Linear',
      'ReLU',
      'Linear',
    ]);
    expect(JSON.parse(props.normalization).mean).toHaveLength(4);
    // The standardisation is the graph's first two nodes.
    expect(model.graph.node.slice(0, 2).map((n) => n.op_type)).toEqual(['Sub', 'Div']);
    expect(model.opset_import[0].version).toBe(17);
  });

  it('answers 422 for a model with a layer that has no exact ONNX form; safetensors still downloads', async () => {
    const created = await request(`${service.url}/v1/jobs`, {
      body: {
        model: {
          layers: [
            { type: 'Unflatten', dim: 1, unflattened_size: [1, 5, 4] },
            { type: 'AdaptiveAvgPool2d', output_size: [2, 2] }, // windows of 3 and 2 rows
            { type: 'Flatten' },
            linear(4, 2),
          ],
        },
        loss: { type: 'CrossEntropyLoss' },
        optimizer: { type: 'SGD', lr: 0.1 },
        data: { x: rows(16, 20, 17), y: rows(16, 20, 17).map((r) => (r[0] > 0 ? 1 : 0)) },
        training: { epochs: 1, batch_size: 8 },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id;
    expect((await waitForStatus(service.url, id, ['succeeded', 'failed'], 60_000)).status).toBe('succeeded');
    const res = await request(`${service.url}/v1/jobs/${id}/model?format=onnx`);
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('onnx_export_failed');
    expect(res.body.detail).toContain('AdaptiveAvgPool2d');
    expect((await fetch(`${service.url}/v1/jobs/${id}/model`)).status).toBe(200);
  });

  it('refuses a model that does not exist yet (409) and an unknown format (400)', async () => {
    const running = await request(`${service.url}/v1/jobs`, {
      body: { ...KINDS.mlp_iris_normalized_labels.job, training: { epochs: 100000, batch_size: 4 } },
    });
    expect(running.status).toBe(201);
    const early = await request(`${service.url}/v1/jobs/${running.body.id}/model?format=onnx`);
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('model_not_available');
    await request(`${service.url}/v1/jobs/${running.body.id}/cancel`, { method: 'POST' });
    const bad = await request(`${service.url}/v1/jobs/${ids.mlp_iris_normalized_labels}/model?format=pt`);
    expect(bad.status).toBe(400);
  });
});
