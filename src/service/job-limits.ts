/**
 * Resource limits of a job request, checked before the request is validated in depth (so an
 * oversized model is refused before anything is built for it). Each breach is reported with its
 * path; the API answers 422 `limit_exceeded`. Malformed parts are skipped here: validation
 * reports those. Epochs and samples on their own are checked by validation (MAX_EPOCHS,
 * MAX_SAMPLES); here their product is the compute budget.
 */
import type { Config } from '../config.js';
import { formatPath } from '../engine/errors.js';
import { activationMemory } from '../engine/nn/activation-memory.js';
import { graphOps } from '../engine/nn/graph-spec.js';
import type { AnyModelSpec } from '../engine/nn/model-spec.js';
import { numel } from '../engine/tensor.js';
import { probeShape } from '../training/sample-shape.js';
import type { ProblemIssue } from './errors.js';

export interface JobResourceLimits {
  maxLayers: number;
  maxParameters: number;
  maxFeatures: number;
  maxSampleEpochs: number;
  maxMetadataBytes: number;
}

export function jobResourceLimits(config: Config): JobResourceLimits {
  return {
    maxLayers: config.MAX_LAYERS,
    maxParameters: config.MAX_PARAMETERS,
    maxFeatures: config.MAX_FEATURES,
    maxSampleEpochs: config.MAX_SAMPLE_EPOCHS,
    maxMetadataBytes: config.MAX_METADATA_BYTES,
  };
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A positive finite number, else 0 (validation reports bad values). */
const size = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);
const product = (v: unknown): number =>
  Array.isArray(v) ? v.reduce((p: number, d) => p * size(d), 1) : size(v);

/** Parameters plus buffers of one layer spec, as PyTorch would allocate them. */
export function layerParameterCount(layer: unknown): number {
  if (!isObj(layer)) return 0;
  switch (layer.type) {
    case 'Linear': {
      const out = size(layer.out_features);
      return size(layer.in_features) * out + (layer.bias === false ? 0 : out);
    }
    case 'LayerNorm':
      return layer.elementwise_affine === false ? 0 : 2 * product(layer.normalized_shape);
    case 'BatchNorm1d':
    case 'BatchNorm2d': {
      const n = size(layer.num_features);
      return (layer.affine === false ? 0 : 2 * n) + (layer.track_running_stats === false ? 0 : 2 * n + 1);
    }
    default:
      return 0;
  }
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * The layer specs of a raw model (unvalidated): its `layers`, or its graph nodes' layers (a nested
 * Sequential's one by one); an op node counts as a layer toward MAX_LAYERS.
 */
function rawLayers(model: unknown): unknown[] {
  if (!isObj(model)) return [];
  if (Array.isArray(model.layers)) return model.layers;
  if (!Array.isArray(model.nodes)) return [];
  return model.nodes.flatMap((node: unknown) => {
    if (!isObj(node)) return [];
    if (!isObj(node.layer)) return [node];
    return node.layer.type === 'Sequential' && Array.isArray(node.layer.layers)
      ? node.layer.layers
      : [node.layer];
  });
}

export function checkJobLimits(body: unknown, limits: JobResourceLimits): ProblemIssue[] {
  if (!isObj(body)) return [];
  const issues: ProblemIssue[] = [];
  const layers = rawLayers(body.model);
  if (layers.length > limits.maxLayers)
    issues.push({
      path: isObj(body.model) && Array.isArray(body.model.nodes) ? 'model.nodes' : 'model.layers',
      message: `${count(layers.length)} layers; at most ${count(limits.maxLayers)} per model (MAX_LAYERS)`,
    });
  const parameters = layers.reduce((sum: number, layer) => sum + layerParameterCount(layer), 0);
  if (parameters > limits.maxParameters)
    issues.push({
      path: 'model',
      message: `${count(parameters)} parameters; at most ${count(limits.maxParameters)} per model (MAX_PARAMETERS)`,
    });

  const x = isObj(body.data) && Array.isArray(body.data.x) ? body.data.x : null;
  // Values per sample: the product of the first sample's shape (x is checked in full later).
  const features = x !== null && Array.isArray(x[0]) ? numel(probeShape(x[0])) : 0;
  if (features > limits.maxFeatures)
    issues.push({
      path: 'data.x',
      message: `${count(features)} features; at most ${count(limits.maxFeatures)} per sample (MAX_FEATURES)`,
    });
  const epochs = isObj(body.training) ? size(body.training.epochs) : 0;
  const samples = x?.length ?? 0;
  if (epochs * samples > limits.maxSampleEpochs)
    issues.push({
      path: 'training.epochs',
      message: `${count(epochs)} epochs × ${count(samples)} samples is over the compute budget of ${count(limits.maxSampleEpochs)} sample-epochs per job (MAX_SAMPLE_EPOCHS)`,
    });

  if (body.metadata !== undefined) {
    const bytes = Buffer.byteLength(JSON.stringify(body.metadata) ?? '');
    if (bytes > limits.maxMetadataBytes)
      issues.push({
        path: 'metadata',
        message: `${count(bytes)} bytes of metadata; at most ${count(limits.maxMetadataBytes)} (MAX_METADATA_BYTES)`,
      });
  }
  return issues;
}

const isGraphOp = (type: string) => (graphOps as string[]).includes(type);
const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

/**
 * MAX_ACTIVATION_BYTES: the activation memory of one training step (activation-memory.ts) for a
 * batch of `min(batch_size, samples)` samples of `sampleShape`. A breach names the layer that
 * holds the most, with the bytes of the whole step and of that layer. Checked on a validated
 * model (the shape walk passed), once the sample shape is known (for datasets, from their metadata).
 */
export function checkActivationLimit(
  model: AnyModelSpec,
  sampleShape: readonly number[],
  batchSize: number,
  maxBytes: number,
): ProblemIssue[] {
  const memory = activationMemory(model, sampleShape, batchSize);
  if (memory.unknown !== null) {
    return [
      {
        path: formatPath(['model', ...memory.unknown.path]),
        message: `the output shape of this ${memory.unknown.type} layer cannot be worked out from the spec, so its activation memory cannot be checked against MAX_ACTIVATION_BYTES`,
      },
    ];
  }
  if (memory.bytes <= maxBytes) return [];
  const largest = memory.layers.reduce((a, l) =>
    l.keptBytes + l.backwardBytes > a.keptBytes + a.backwardBytes ? l : a,
  );
  const shape = [memory.batchSize, ...largest.outputShape].join(' × ');
  return [
    {
      path: formatPath(['model', ...largest.path]),
      message:
        `one training step with batches of ${count(memory.batchSize)} needs ${count(memory.bytes)} bytes (${gib(memory.bytes)}) of activation memory; ` +
        `at most ${count(maxBytes)} (${gib(maxBytes)}, MAX_ACTIVATION_BYTES). ` +
        `This ${largest.type} ${isGraphOp(largest.type) ? 'op' : 'layer'} (output ${shape}) holds the most: ${count(largest.keptBytes)} bytes for the step and ${count(largest.backwardBytes)} more during its backward pass. ` +
        'A smaller batch_size or smaller layers need less.',
    },
  ];
}
