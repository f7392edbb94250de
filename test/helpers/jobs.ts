/** Job specs for service tests, with deterministic data. */
import type { Job } from '../../src/service/job-resource.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** 100 samples × 10 features; the class is whether the first three features sum above zero. */
export function simpleData(samples = 100, features = 10, seed = 1) {
  const next = rng(seed);
  const x = Array.from({ length: samples }, () => Array.from({ length: features }, () => next() * 2 - 1));
  const y = x.map((row) => (row[0] + row[1] + row[2] > 0 ? 1 : 0));
  return { x, y };
}

/** `nn.Sequential(Linear(inFeatures, hidden), ReLU(), Linear(hidden, outFeatures))` as a model spec. */
export function mlpModel(inFeatures: number, hidden: number, outFeatures: number) {
  return {
    layers: [
      { type: 'Linear', in_features: inFeatures, out_features: hidden },
      { type: 'ReLU' },
      { type: 'Linear', in_features: hidden, out_features: outFeatures },
    ],
  };
}

/** The SimpleNN job. */
export function simpleNNJob(overrides: { epochs?: number; samples?: number; name?: string } = {}) {
  return {
    name: overrides.name ?? 'simple-nn',
    metadata: { team: 'ml' },
    model: mlpModel(10, 20, 2),
    loss: { type: 'CrossEntropyLoss' },
    optimizer: { type: 'Adam', lr: 0.01 },
    scheduler: { type: 'StepLR', step_size: 30, gamma: 0.1 },
    data: simpleData(overrides.samples ?? 100),
    training: {
      epochs: overrides.epochs ?? 100,
      batch_size: 16,
      shuffle: true,
      seed: 42,
      grad_clip: { max_norm: 1.0 },
    },
  };
}

/** A job that runs for a long time (for cancel tests). */
export function longJob() {
  return simpleNNJob({ epochs: 50_000, samples: 400, name: 'long' });
}

/** A stored job record, queued, of a one-weight regression: for store-level tests. */
export function jobRecord(id: string): Job {
  return {
    id,
    status: 'queued',
    name: null,
    metadata: {},
    spec: {
      model: { layers: [{ type: 'Linear', in_features: 1, out_features: 1, bias: true }] },
      loss: { type: 'MSELoss', reduction: 'mean' },
      optimizer: { type: 'SGD', lr: 0.1 },
      training: { epochs: 1, batch_size: 1, shuffle: true, seed: 0 },
      data: { samples: 1, features: 1 },
    } as Job['spec'],
    created_at: new Date().toISOString(),
    started_at: null,
    finished_at: null,
    progress: { epoch: 0, epochs: 1 },
    metrics: null,
  };
}
