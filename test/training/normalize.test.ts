/**
 * `normalize: "standard"`: per channel for a convolutional model's (C, H, W) inputs (each
 * channel's mean and population std over every sample and position, computed here by numpy),
 * per feature otherwise; predict applies the stored statistics the same way.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/engine/tensor.js';
import { prepareData, toTensors } from '../../src/training/data.js';
import { applyNormalization, fitStandard } from '../../src/training/normalize.js';
import { parseRunSpec } from '../../src/training/spec.js';

const images = Array.from({ length: 6 }, (_, i) =>
  [0, 1, 2].map((c) =>
    [0, 1].map((h) => [0, 1, 2].map((w) => Math.sin(i + 2 * c + h * 3 + w) * (c + 1) + c * 10)),
  ),
);

/** numpy's per-channel statistics of `x` (N, C, ...): mean and std over every axis but 1. */
function numpyChannelStats(x: unknown): { mean: number[]; std: number[] } | null {
  const py = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      'import json,sys,numpy as np; x=np.array(json.load(sys.stdin),dtype=np.float32).astype(np.float64); a=tuple(i for i in range(x.ndim) if i!=1); print(json.dumps({"mean":x.mean(axis=a).tolist(),"std":x.std(axis=a).tolist()}))',
    ],
    { input: JSON.stringify(x), encoding: 'utf8' },
  );
  return py.status === 0 ? JSON.parse(py.stdout) : null;
}

const conv = (normalize?: 'standard') =>
  parseRunSpec({
    model: {
      layers: [
        { type: 'Conv2d', in_channels: 3, out_channels: 2, kernel_size: 2 },
        { type: 'Flatten' },
        { type: 'Linear', in_features: 4, out_features: 2 },
      ],
    },
    loss: { type: 'CrossEntropyLoss' },
    optimizer: { type: 'SGD', lr: 0.1 },
    training: { epochs: 1, batch_size: 2, ...(normalize ? { normalize } : {}) },
  });

describe('standard normalisation', () => {
  it('is per channel for a convolutional model, with numpy’s statistics', () => {
    const spec = conv('standard');
    const prepared = prepareData(spec, toTensors(spec, { x: images, y: [0, 1, 0, 1, 0, 1] }));
    const norm = prepared.normalization!;
    expect(norm.mean).toHaveLength(3);
    const expected = numpyChannelStats(images);
    if (expected === null) {
      // Without numpy, the definition by hand: channel c's 36 values.
      for (let c = 0; c < 3; c++) {
        const v = images.flatMap((s) => s[c].flat()).map((a) => Math.fround(a));
        const m = v.reduce((a, b) => a + b, 0) / v.length;
        expect(norm.mean[c]).toBeCloseTo(m, 6);
      }
      return;
    }
    for (let c = 0; c < 3; c++) {
      expect(norm.mean[c]).toBeCloseTo(expected.mean[c], 9);
      expect(norm.std[c]).toBeCloseTo(expected.std[c], 9);
    }
    // Every value of channel c became (v - mean[c]) / std[c].
    const out = prepared.train.x.data;
    const flat = images.flat(3).map((v) => Math.fround(v));
    for (let i = 0; i < flat.length; i++) {
      const c = Math.floor((i % 18) / 6);
      expect(out[i]).toBeCloseTo((flat[i] - expected.mean[c]) / expected.std[c], 5);
    }
  });

  it('stays per feature for flat rows, and a constant feature or channel gets std 1', () => {
    const rows = tensor([
      [1, 5],
      [3, 5],
    ]);
    expect(fitStandard(rows)).toEqual({ mean: [2, 5], std: [1, 1] });
    const constant = tensor([[[[2, 2]]], [[[2, 2]]]]);
    expect(fitStandard(constant, true)).toEqual({ mean: [2], std: [1] });
    expect(Array.from(applyNormalization(constant, { mean: [2], std: [1] }).data)).toEqual([0, 0, 0, 0]);
  });

  it('refuses statistics that fit neither a sample nor its channels', () => {
    expect(() => applyNormalization(tensor([[[1, 2, 3]]]), { mean: [0, 0], std: [1, 1] })).toThrow(
      /normalization has 2 features/,
    );
  });
});
