/**
 * Synthetic datasets in the spirit of sklearn's `make_*` generators, deterministic for a seed:
 * two moons, concentric circles, Gaussian blobs, interleaved spirals, and linear regression; and
 * two sequence tasks for recurrent models: the parity of a bit string (classification) and the next
 * value of a noisy sine wave (regression). A sequence sample is one row of `seq_len` values.
 */
import { z } from 'zod';
import { Generator } from '../engine/random.js';
import type { Dataset } from './dataset.js';

const common = {
  n_samples: z.number().int().min(2).max(1_000_000).default(200).describe('Number of samples.'),
  noise: z.number().finite().min(0).default(0.1).describe('Standard deviation of Gaussian noise.'),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0).describe('Seed of the generator.'),
};

function seqLen(fallback: number) {
  return z.number().int().min(1).max(10_000).default(fallback).describe('Length of each sequence.');
}

export const syntheticSpecSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('moons'), ...common }),
  z.strictObject({
    type: z.literal('circles'),
    ...common,
    factor: z.number().gt(0).lt(1).default(0.5).describe('Inner circle radius relative to the outer one.'),
  }),
  z.strictObject({
    type: z.literal('blobs'),
    ...common,
    noise: z.number().finite().min(0).default(1).describe('Standard deviation of each blob (cluster_std).'),
    centers: z.number().int().min(1).max(100).default(3),
    n_features: z.number().int().min(1).max(1000).default(2),
  }),
  z.strictObject({
    type: z.literal('spirals'),
    ...common,
    classes: z.number().int().min(2).max(20).default(2),
    turns: z.number().positive().max(10).default(1.5),
  }),
  z.strictObject({
    type: z.literal('regression'),
    ...common,
    n_features: z.number().int().min(1).max(1000).default(4),
  }),
  z
    .strictObject({
      type: z.literal('parity'),
      n_samples: common.n_samples,
      seed: common.seed,
      seq_len: seqLen(16),
    })
    .describe(
      'Bit strings of seq_len 0/1 values; the class is their parity (1 when the count of ones is odd).',
    ),
  z
    .strictObject({
      type: z.literal('sine'),
      ...common,
      seq_len: seqLen(50),
    })
    .describe(
      'Windows of seq_len values of a sine wave (random amplitude 0.5–1.5, period 4–20 steps, phase) plus Gaussian noise; the target is the wave’s next value, without noise.',
    ),
]);
export type SyntheticSpec = z.output<typeof syntheticSpecSchema>;

function dataset(x: number[][], y: number[], kind: 'class' | 'float', prefix = 'x'): Dataset {
  const features = x[0]?.length ?? 0;
  return {
    rows: x.length,
    features,
    featureNames: Array.from({ length: features }, (_, j) => `${prefix}${j}`),
    x: Float32Array.from(x.flat()),
    targetKind: kind,
    y: kind === 'class' ? Int32Array.from(y) : Float32Array.from(y),
    targetName: 'y',
  };
}

/** Shuffles rows and labels together (sklearn shuffles its generated samples too). */
function shuffled(g: Generator, x: number[][], y: number[]): [number[][], number[]] {
  const order = g.permutation(x.length);
  return [Array.from(order, (i) => x[i]), Array.from(order, (i) => y[i])];
}

export function generateSynthetic(spec: SyntheticSpec): Dataset {
  const g = new Generator(spec.seed);
  const n = spec.n_samples;
  const x: number[][] = [];
  const y: number[] = [];
  const jitter = () => g.normal() * ('noise' in spec ? spec.noise : 0);
  switch (spec.type) {
    case 'moons': {
      const outer = Math.floor(n / 2);
      for (let i = 0; i < outer; i++) {
        const t = (Math.PI * i) / Math.max(outer - 1, 1);
        x.push([Math.cos(t) + jitter(), Math.sin(t) + jitter()]);
        y.push(0);
      }
      for (let i = 0; i < n - outer; i++) {
        const t = (Math.PI * i) / Math.max(n - outer - 1, 1);
        x.push([1 - Math.cos(t) + jitter(), 1 - Math.sin(t) - 0.5 + jitter()]);
        y.push(1);
      }
      break;
    }
    case 'circles': {
      const outer = Math.floor(n / 2);
      for (let i = 0; i < n; i++) {
        const inner = i >= outer;
        const k = inner ? i - outer : i;
        const t = (2 * Math.PI * k) / (inner ? n - outer : outer);
        const r = inner ? spec.factor : 1;
        x.push([r * Math.cos(t) + jitter(), r * Math.sin(t) + jitter()]);
        y.push(inner ? 1 : 0);
      }
      break;
    }
    case 'blobs': {
      const centers = Array.from({ length: spec.centers }, () =>
        Array.from({ length: spec.n_features }, () => g.uniform(-10, 10)),
      );
      for (let i = 0; i < n; i++) {
        const c = i % spec.centers;
        x.push(centers[c].map((v) => v + jitter()));
        y.push(c);
      }
      break;
    }
    case 'spirals': {
      for (let i = 0; i < n; i++) {
        const c = i % spec.classes;
        const t = Math.floor(i / spec.classes) / Math.ceil(n / spec.classes); // 0..1 along the arm
        const angle = (2 * Math.PI * c) / spec.classes + t * spec.turns * 2 * Math.PI;
        x.push([t * Math.cos(angle) + jitter(), t * Math.sin(angle) + jitter()]);
        y.push(c);
      }
      break;
    }
    case 'regression': {
      const coef = Array.from({ length: spec.n_features }, () => g.uniform(-3, 3));
      const bias = g.uniform(-1, 1);
      for (let i = 0; i < n; i++) {
        const row = Array.from({ length: spec.n_features }, () => g.normal());
        x.push(row);
        y.push(row.reduce((s, v, j) => s + v * coef[j], bias) + jitter());
      }
      const [sx, sy] = shuffled(g, x, y);
      return dataset(sx, sy, 'float');
    }
    // Sequence samples are independent draws: no shuffling needed. Features are time steps t0…
    case 'parity': {
      for (let i = 0; i < n; i++) {
        const bits = Array.from({ length: spec.seq_len }, (): number => (g.random() < 0.5 ? 0 : 1));
        x.push(bits);
        y.push(bits.reduce((a, b) => a ^ b, 0));
      }
      return dataset(x, y, 'class', 't');
    }
    case 'sine': {
      for (let i = 0; i < n; i++) {
        const amplitude = g.uniform(0.5, 1.5);
        const omega = (2 * Math.PI) / g.uniform(4, 20);
        const phase = g.uniform(0, 2 * Math.PI);
        const wave = (t: number) => amplitude * Math.sin(omega * t + phase);
        x.push(Array.from({ length: spec.seq_len }, (_, t) => wave(t) + jitter()));
        y.push(wave(spec.seq_len));
      }
      return dataset(x, y, 'float', 't');
    }
  }
  const [sx, sy] = shuffled(g, x, y);
  return dataset(sx, sy, 'class');
}
