/**
 * Feature standardisation: mean and standard deviation computed on the training split only,
 * stored with the model so predict (and the ONNX and safetensors files) apply the same transform.
 * Per feature (every value of a sample its own statistics) for rows and sequences; per channel
 * for channels-first inputs of a convolutional model, (C, H, W) or (C, L) samples, with each
 * channel's statistics over every sample and position, as torchvision's Normalize is used for
 * images. The record tells the two apart by its length: one value per element of a sample, or
 * one per channel (its first dimension).
 */
import type { LayerSpec } from '../engine/nn/registry.js';
import { Tensor } from '../engine/tensor.js';

export interface Normalization {
  mean: number[];
  std: number[];
}

/** First layers that read (C, ...) samples channel by channel. */
const CHANNELS_FIRST = new Set([
  'Conv1d',
  'Conv2d',
  'BatchNorm1d',
  'BatchNorm2d',
  'MaxPool1d',
  'MaxPool2d',
  'AvgPool1d',
  'AvgPool2d',
  'AdaptiveAvgPool1d',
  'AdaptiveAvgPool2d',
  'AdaptiveMaxPool2d',
  'Dropout2d',
]);

/**
 * Whether `normalize: "standard"` is per channel for this model's (N, ...) inputs: the layers
 * that read the input (one for a Sequential, every consumer of a graph's input) see channels.
 */
export function normalizesPerChannel(inputLayers: readonly LayerSpec[], x: Tensor): boolean {
  return x.shape.length >= 3 && inputLayers.some((layer) => CHANNELS_FIRST.has(layer.type));
}

/** Statistics of an (N, ...) tensor; a constant feature or channel gets std 1 so it maps to 0. */
export function fitStandard(x: Tensor, perChannel = false): Normalization {
  const n = x.shape[0];
  const sample = x.size / Math.max(n, 1);
  const groups = perChannel ? x.shape[1] : sample;
  const run = perChannel ? sample / groups : 1; // consecutive values of one group within a sample
  const mean = new Float64Array(groups);
  const sq = new Float64Array(groups);
  const count = Math.max(n * run, 1);
  for (let i = 0; i < x.size; i++) mean[Math.floor((i % sample) / run)] += x.data[i];
  for (let g = 0; g < groups; g++) mean[g] /= count;
  for (let i = 0; i < x.size; i++) {
    const g = Math.floor((i % sample) / run);
    sq[g] += (x.data[i] - mean[g]) ** 2;
  }
  const std = Array.from(sq, (s) => {
    const sd = Math.sqrt(s / count);
    return sd > 1e-12 ? sd : 1;
  });
  return { mean: Array.from(mean), std };
}

/** (x - mean) / std per feature or per channel (as the record's length says), as a new tensor. */
export function applyNormalization(x: Tensor, norm: Normalization): Tensor {
  const groups = norm.mean.length;
  const sample = x.size / Math.max(x.shape[0], 1);
  const perChannel = groups !== sample && x.shape.length >= 3 && x.shape[1] === groups;
  if (!perChannel && (groups === 0 || x.size % groups !== 0))
    throw new RangeError(
      `normalization has ${groups} features but the input has shape [${x.shape.join(', ')}]`,
    );
  const run = perChannel ? sample / groups : 1;
  const out = new Float32Array(x.size);
  for (let i = 0; i < x.size; i++) {
    const g = perChannel ? Math.floor((i % sample) / run) : i % groups;
    out[i] = (x.data[i] - norm.mean[g]) / norm.std[g];
  }
  return new Tensor(out, x.shape);
}
