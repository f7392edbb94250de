/**
 * Training on datasets through the real service (API, Redis, BullMQ worker, training threads):
 * builtin digits with a validation split, split determinism, validation metrics checked against
 * an independent computation from predict outputs, early stopping that restores the best
 * weights, progress events, predict applying the stored normalisation, and warm starts from
 * base64 safetensors.
 */
import { describe, expect, it } from 'vitest';
import { decodeSafetensors } from '../../src/artifacts/safetensors.js';
import { simpleData } from '../helpers/jobs.js';
import { request, useTestService, waitFor, waitForStatus } from '../helpers/service.js';
import { readSse } from '../helpers/sse.js';

const service = useTestService();

async function run(body: unknown, timeoutMs = 60_000) {
  const res = await request(`${service.url}/v1/jobs`, { body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const job = await waitForStatus(service.url, res.body.id, ['succeeded', 'failed', 'cancelled'], timeoutMs);
  expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
  const metrics = (await request(`${service.url}/v1/jobs/${job.id}/metrics`)).body.epochs;
  return { job, metrics };
}

async function uploadJson(x: number[][], y: number[]): Promise<string> {
  const res = await fetch(`${service.url}/v1/datasets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ x, y }),
  });
  return ((await res.json()) as { id: string }).id;
}

function mlp(inFeatures: number, hidden: number, out: number) {
  return {
    layers: [
      { type: 'Linear', in_features: inFeatures, out_features: hidden },
      { type: 'ReLU' },
      { type: 'Linear', in_features: hidden, out_features: out },
    ],
  };
}

/** Mean cross-entropy and accuracy of logits against class indices, in float64. */
function crossEntropy(outputs: number[][], y: number[]) {
  let loss = 0;
  let correct = 0;
  outputs.forEach((row, i) => {
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    loss += lse - row[y[i]];
    if (row.indexOf(max) === y[i]) correct++;
  });
  return { loss: loss / y.length, accuracy: correct / y.length };
}

function relClose(a: number, b: number, tol = 1e-4) {
  expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));
}

describe('training on datasets', () => {
  it('trains a small MLP on builtin digits with a 20 % stratified validation split', async () => {
    const { job, metrics } = await run({
      model: mlp(64, 32, 10),
      loss: { type: 'CrossEntropyLoss' },
      optimizer: { type: 'Adam', lr: 0.01 },
      data: { builtin: 'digits' },
      training: { epochs: 15, batch_size: 32, seed: 1, validation_split: 0.2, normalize: 'standard' },
    });
    const last = metrics.at(-1);
    console.log(`digits: val_accuracy ${last.val_accuracy.toFixed(4)} after ${metrics.length} epochs`);
    expect(last.val_accuracy).toBeGreaterThan(0.9);
    for (const m of metrics) expect(m).toHaveProperty('val_loss');
    expect(job.stop_reason).toBe('epochs');
    expect(job.best_epoch).toBeNull();
    const { train, validation } = job.evaluation;
    expect(train.samples + validation.samples).toBe(1797);
    expect(validation.samples).toBeGreaterThan(350);
    expect(validation.confusion_matrix).toHaveLength(10);
    expect(validation.confusion_matrix.flat().reduce((a: number, b: number) => a + b, 0)).toBe(
      validation.samples,
    );
    relClose(validation.accuracy, last.val_accuracy, 1e-6);
    const file = decodeSafetensors(
      new Uint8Array(await (await fetch(`${service.url}/v1/jobs/${job.id}/model`)).arrayBuffer()),
    );
    expect(file.metadata.labels).toBeUndefined(); // digits' targets are numbers already
    expect(JSON.parse(file.metadata.normalization).mean).toHaveLength(64);
  });

  it('splits deterministically: same seed, same split; another seed, another split', async () => {
    const body = (seed: number) => ({
      model: mlp(4, 8, 3),
      loss: { type: 'CrossEntropyLoss' },
      optimizer: { type: 'SGD', lr: 0.05 },
      data: { builtin: 'iris' },
      training: { epochs: 3, batch_size: 16, seed, validation_split: 0.2 },
    });
    const [a, b, c] = await Promise.all([run(body(7)), run(body(7)), run(body(8))]);
    expect(b.metrics.map((m: { val_loss: number }) => m.val_loss)).toEqual(
      a.metrics.map((m: { val_loss: number }) => m.val_loss),
    );
    expect(b.job.evaluation).toEqual(a.job.evaluation);
    expect(a.job.evaluation.validation.samples).toBe(30); // 10 of each class: stratified
    expect(c.metrics.map((m: { val_loss: number }) => m.val_loss)).not.toEqual(
      a.metrics.map((m: { val_loss: number }) => m.val_loss),
    );
  });

  it('reports validation metrics that match an independent computation (classification)', async () => {
    const train = simpleData(120, 4, 3);
    const val = simpleData(40, 4, 4);
    const trainId = await uploadJson(train.x, train.y);
    const valId = await uploadJson(val.x, val.y);
    const { job, metrics } = await run({
      model: mlp(4, 8, 2),
      loss: { type: 'CrossEntropyLoss' },
      optimizer: { type: 'Adam', lr: 0.02 },
      data: { dataset_id: trainId },
      validation: { dataset_id: valId },
      training: { epochs: 10, batch_size: 16 },
    });
    expect(job.spec.validation).toEqual({ dataset_id: valId, samples: 40 });
    const { outputs } = (await request(`${service.url}/v1/jobs/${job.id}/predict`, { body: { x: val.x } }))
      .body;
    const expected = crossEntropy(outputs, val.y);
    relClose(metrics.at(-1).val_loss, expected.loss);
    expect(metrics.at(-1).val_accuracy).toBe(expected.accuracy);
    relClose(job.evaluation.validation.loss, expected.loss);
  });

  it('reports MAE, RMSE and R² that match an independent computation (regression)', async () => {
    const data = simpleData(100, 3, 5);
    const y = data.x.map((r) => 2 * r[0] - r[1] + 0.5);
    const trainId = await uploadJson(data.x.slice(0, 80), y.slice(0, 80));
    const valX = data.x.slice(80);
    const valY = y.slice(80);
    const valId = await uploadJson(valX, valY);
    const { job, metrics } = await run({
      model: { layers: [{ type: 'Linear', in_features: 3, out_features: 1 }] },
      loss: { type: 'MSELoss' },
      optimizer: { type: 'SGD', lr: 0.1 },
      data: { dataset_id: trainId },
      validation: { dataset_id: valId },
      training: { epochs: 5, batch_size: 10 },
    });
    const outputs: number[] = (
      await request(`${service.url}/v1/jobs/${job.id}/predict`, { body: { x: valX } })
    ).body.outputs.map((r: number[]) => r[0]);
    const err = outputs.map((o, i) => o - valY[i]);
    const mse = err.reduce((s, e) => s + e * e, 0) / err.length;
    const mean = valY.reduce((s, v) => s + v, 0) / valY.length;
    const ssTot = valY.reduce((s, v) => s + (v - mean) ** 2, 0);
    const last = metrics.at(-1);
    relClose(last.val_loss, mse);
    relClose(last.val_mae, err.reduce((s, e) => s + Math.abs(e), 0) / err.length);
    relClose(last.val_rmse, Math.sqrt(mse));
    relClose(last.val_r2, 1 - (mse * err.length) / ssTot, 1e-3);
    expect(last).toHaveProperty('mae');
    expect(job.evaluation.validation).toHaveProperty('r2');
  });

  it('stops early and restores the best epoch’s weights', async () => {
    // Random labels: the model can only memorise, so validation loss soon rises.
    const rng = simpleData(160, 6, 9);
    const labels = rng.x.map((r) => ((r[5] * 1000) % 1 > 0.5 ? 1 : 0));
    const trainId = await uploadJson(rng.x.slice(0, 120), labels.slice(0, 120));
    const valX = rng.x.slice(120);
    const valY = labels.slice(120);
    const valId = await uploadJson(valX, valY);
    const { job, metrics } = await run({
      model: mlp(6, 64, 2),
      loss: { type: 'CrossEntropyLoss' },
      optimizer: { type: 'Adam', lr: 0.05 },
      data: { dataset_id: trainId },
      validation: { dataset_id: valId },
      training: {
        epochs: 300,
        batch_size: 8,
        early_stopping: { monitor: 'val_loss', mode: 'min', patience: 3, min_delta: 0, restore_best: true },
      },
    });
    expect(job.stop_reason).toBe('early_stopping');
    const losses = metrics.map((m: { val_loss: number }) => m.val_loss);
    const best = losses.indexOf(Math.min(...losses)) + 1;
    expect(job.best_epoch).toBe(best);
    expect(metrics).toHaveLength(best + 3);
    // The stored model is the best epoch's: its validation loss is that epoch's.
    relClose(job.evaluation.validation.loss, losses[best - 1], 1e-5);
    const { outputs } = (await request(`${service.url}/v1/jobs/${job.id}/predict`, { body: { x: valX } }))
      .body;
    relClose(crossEntropy(outputs, valY).loss, losses[best - 1]);
  });

  it('trains on the synthetic parity sequences, whose width is seq_len', async () => {
    const data = { synthetic: { type: 'parity', n_samples: 256, seq_len: 3, seed: 5 } };
    const body = {
      model: mlp(3, 32, 2),
      loss: { type: 'CrossEntropyLoss' },
      optimizer: { type: 'Adam', lr: 0.02 },
      data,
      training: { epochs: 150, batch_size: 64, seed: 1 },
    };
    const bad = await request(`${service.url}/v1/jobs`, { body: { ...body, model: mlp(4, 32, 2) } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('model.layers[0].in_features');
    const { job } = await run(body);
    // 3-bit parity is a function of 8 inputs an MLP of this size fits exactly.
    expect(job.evaluation.train.accuracy).toBe(1);
  });

  it('streams progress events within long epochs', async () => {
    const res = await request(`${service.url}/v1/jobs`, {
      body: {
        model: mlp(2, 8, 2),
        loss: { type: 'CrossEntropyLoss' },
        optimizer: { type: 'SGD', lr: 0.01 },
        data: { synthetic: { type: 'moons', n_samples: 40_000, noise: 0.1, seed: 3 } },
        training: { epochs: 2, batch_size: 1 },
      },
    });
    expect(res.status).toBe(201);
    const id = res.body.id;
    const progress = await waitFor(async () => {
      const sse = await readSse(`${service.url}/v1/jobs/${id}/events`, { timeoutMs: 500 });
      return sse.events.find((e) => e.event === 'progress');
    }, 30_000);
    expect(progress.data).toMatchObject({ epoch: 1, steps: 40_000 });
    expect(progress.data.step).toBeGreaterThan(0);
    expect(progress.data.step).toBeLessThan(40_000);
    expect(typeof progress.data.loss).toBe('number');
    await request(`${service.url}/v1/jobs/${id}/cancel`, { method: 'POST' });
    await waitForStatus(service.url, id, ['cancelled', 'succeeded']);
  });

  it('predict applies the stored normalisation; init.safetensors_base64 warm-starts from a file', async () => {
    const spec = {
      model: { layers: [{ type: 'Linear', in_features: 13, out_features: 3 }] },
      loss: { type: 'CrossEntropyLoss' },
      data: { builtin: 'wine' },
    };
    const { job } = await run({
      ...spec,
      optimizer: { type: 'Adam', lr: 0.05 },
      training: { epochs: 5, batch_size: 32, normalize: 'standard' },
    });
    const buffer = new Uint8Array(
      await (await fetch(`${service.url}/v1/jobs/${job.id}/model`)).arrayBuffer(),
    );
    const file = decodeSafetensors(buffer);
    const norm = JSON.parse(file.metadata.normalization);
    const w = file.tensors['0.weight'].data;
    const b = file.tensors['0.bias'].data;
    const x = [
      [13, 2, 2.4, 19, 100, 2.5, 2.5, 0.3, 1.6, 5, 1, 3, 1000],
      [12.5, 3, 2.2, 21, 90, 1.5, 1, 0.5, 1.2, 7, 0.7, 1.8, 600],
    ];
    const manual = x.map((row) =>
      [0, 1, 2].map((k) =>
        row.reduce((s, v, j) => s + ((v - norm.mean[j]) / norm.std[j]) * w[k * 13 + j], b[k]),
      ),
    );
    const predicted = (await request(`${service.url}/v1/jobs/${job.id}/predict`, { body: { x } })).body
      .outputs;
    for (let i = 0; i < 2; i++) for (let k = 0; k < 3; k++) relClose(predicted[i][k], manual[i][k], 1e-4);

    // Fine-tuning with lr 0 keeps the uploaded weights exactly.
    const warm = await run({
      ...spec,
      optimizer: { type: 'SGD', lr: 0 },
      training: { epochs: 1, batch_size: 32 },
      init: { safetensors_base64: Buffer.from(buffer).toString('base64') },
    });
    expect(warm.job.spec.init).toEqual({ safetensors: { keys: ['0.weight', '0.bias'] } });
    const again = decodeSafetensors(
      new Uint8Array(await (await fetch(`${service.url}/v1/jobs/${warm.job.id}/model`)).arrayBuffer()),
    );
    expect(Array.from(again.tensors['0.weight'].data)).toEqual(Array.from(w));
  });
});
