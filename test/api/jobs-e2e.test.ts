/**
 * End to end, as a user: submit the SimpleNN job over HTTP, watch every event over SSE, download
 * the weights in both formats and predict. Real Redis, real BullMQ worker, real training thread.
 */
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, toNested } from '../../src/artifacts/safetensors.js';
import { redisKeys } from '../../src/redis/keys.js';
import { simpleNNJob } from '../helpers/jobs.js';
import { request, useTestService } from '../helpers/service.js';
import { readSse } from '../helpers/sse.js';

const service = useTestService();

describe('SimpleNN over HTTP', () => {
  let id: string;

  it('accepts the job with 201, a Location header and the job resource', async () => {
    const res = await request(`${service.url}/v1/jobs`, { body: simpleNNJob() });
    expect(res.status).toBe(201);
    id = res.body.id;
    expect(res.headers.get('location')).toBe(`/v1/jobs/${id}`);
    expect(res.body).toMatchObject({
      status: 'queued',
      name: 'simple-nn',
      metadata: { team: 'ml' },
      progress: { epoch: 0, epochs: 100 },
      started_at: null,
      finished_at: null,
      metrics: null,
    });
    expect(res.body.spec.data).toEqual({ samples: 100, features: 10, sample_shape: [10] });
    expect(res.body.spec.optimizer).toMatchObject({ type: 'Adam', lr: 0.01, betas: [0.9, 0.999] });
    expect(JSON.stringify(res.body)).not.toContain('"x"');
  });

  it('stores the samples for the worker with x as float32 bytes', async () => {
    const stored = await service.api.api.redis.get(redisKeys(service.config.KEY_PREFIX).jobInput(id));
    const data = JSON.parse(stored ?? 'null').data;
    const { x, y } = simpleNNJob().data;
    expect(Object.keys(data).sort()).toEqual(['x_float32', 'x_shape', 'y']);
    expect(data.x_shape).toEqual([100, 10]);
    const values = new Float32Array(Uint8Array.from(Buffer.from(data.x_float32, 'base64')).buffer);
    expect(Array.from(values)).toEqual(x.flat().map(Math.fround));
    expect(data.y).toEqual(y);
  });

  it('streams every epoch event and done over SSE, and the loss falls', async () => {
    const sse = await readSse(`${service.url}/v1/jobs/${id}/events`);
    expect(sse.status).toBe(200);
    expect(sse.contentType).toMatch(/^text\/event-stream/);
    expect(sse.closedByServer).toBe(true);
    const types = sse.events.map((e) => e.event);
    expect(types.slice(0, 2)).toEqual(['status', 'status']);
    expect(sse.events[0].data).toEqual({ status: 'queued' });
    expect(sse.events[1].data).toEqual({ status: 'running' });
    const epochs = sse.events.filter((e) => e.event === 'epoch').map((e) => e.data);
    expect(epochs.map((e) => e.epoch)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    for (const e of epochs) {
      expect(Object.keys(e).sort()).toEqual(
        ['accuracy', 'duration_ms', 'epoch', 'epochs', 'loss', 'lr', 'samples_per_sec'].sort(),
      );
    }
    expect(epochs[99].loss).toBeLessThan(epochs[0].loss * 0.5);
    // StepLR(step_size=30, gamma=0.1), stepped once per epoch.
    expect(epochs[29].lr).toBeCloseTo(0.01);
    expect(epochs[30].lr).toBeCloseTo(0.001);
    expect(sse.events.at(-2)).toMatchObject({ event: 'status', data: { status: 'succeeded' } });
    expect(sse.events.at(-1)).toMatchObject({ event: 'done', data: { status: 'succeeded' } });
    const ids = sse.events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('reports the finished job with progress, metrics and timestamps', async () => {
    const { body } = await request(`${service.url}/v1/jobs/${id}`);
    expect(body.status).toBe('succeeded');
    expect(body.progress).toEqual({ epoch: 100, epochs: 100 });
    expect(body.metrics.epoch).toBe(100);
    expect(body.metrics.accuracy).toBeGreaterThan(0.9);
    expect(Date.parse(body.started_at)).toBeLessThanOrEqual(Date.parse(body.finished_at));
    expect(body.error).toBeUndefined();
    const metrics = await request(`${service.url}/v1/jobs/${id}/metrics`);
    expect(metrics.body.epochs).toHaveLength(100);
    expect(metrics.body.epochs[99]).toEqual(body.metrics);
  });

  it('serves the weights as safetensors and as JSON, with the same values', async () => {
    const res = await fetch(`${service.url}/v1/jobs/${id}/model`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    const file = decodeSafetensors(new Uint8Array(await res.arrayBuffer()));
    expect(Object.keys(file.tensors)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(file.tensors['0.weight']).toMatchObject({ dtype: 'F32', shape: [20, 10] });
    expect(file.metadata).toMatchObject({ format: 'pt', job_id: id });
    expect(JSON.parse(file.metadata.spec).layers.map((l: { type: string }) => l.type)).toEqual([
      'Linear',
      'ReLU',
      'Linear',
    ]);

    const json = await request(`${service.url}/v1/jobs/${id}/model?format=json`);
    expect(json.status).toBe(200);
    for (const [name, t] of Object.entries(file.tensors)) {
      expect(json.body.state_dict[name]).toEqual(toNested(t.data, t.shape));
    }
  });

  it('predicts with the trained model', async () => {
    const x = [
      [1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
      [-1, -1, -1, 0, 0, 0, 0, 0, 0, 0],
    ];
    const res = await request(`${service.url}/v1/jobs/${id}/predict`, { body: { x } });
    expect(res.status).toBe(200);
    expect(res.body.outputs).toHaveLength(2);
    expect(res.body.outputs[0]).toHaveLength(2);
    expect(res.body.predictions).toEqual([1, 0]);
  });

  it('rejects predict input of the wrong width and unknown jobs', async () => {
    const bad = await request(`${service.url}/v1/jobs/${id}/predict`, { body: { x: [[1, 2]] } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(bad.body.errors).toEqual([{ path: 'x', message: 'expected 10 features per row, got 2' }]);
    const missing = await request(`${service.url}/v1/jobs/job_nope/predict`, { body: { x: [[1]] } });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('job_not_found');
  });

  it('warm-starts a job from the finished one', async () => {
    const res = await request(`${service.url}/v1/jobs`, {
      body: { ...simpleNNJob({ epochs: 2 }), init: { from_job: id } },
    });
    expect(res.status).toBe(201);
    expect(res.body.spec.init).toEqual({ from_job: id });
    const sse = await readSse(`${service.url}/v1/jobs/${res.body.id}/events`);
    const first = sse.events.find((e) => e.event === 'epoch');
    // Starting from trained weights, the first epoch's loss is already low.
    expect(first?.data.loss).toBeLessThan(0.2);
    expect(sse.events.at(-1)?.data.status).toBe('succeeded');
  });
});
