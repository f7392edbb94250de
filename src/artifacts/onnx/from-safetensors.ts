/**
 * A job's ONNX model from what the service stores: the safetensors weights (with their
 * `normalization` and `labels` metadata) and the job's run spec, whose loss decides the
 * `predictions` output as it does for predict.
 */
import { buildLoss } from '../../engine/losses/registry.js';
import { isGraphSpec, parseAnyModelSpec } from '../../engine/nn/model-spec.js';
import type { Normalization } from '../../training/normalize.js';
import type { RunSpec } from '../../training/spec.js';
import { decodeSafetensors } from '../safetensors.js';
import { exportOnnx, type OnnxPredictions } from './export.js';

export function onnxFromSafetensors(
  weights: Uint8Array,
  spec: Pick<RunSpec, 'model' | 'loss'>,
  {
    sampleShape,
    name,
    producerVersion,
  }: { sampleShape: readonly number[]; name: string; producerVersion?: string },
): Uint8Array {
  const { tensors, metadata } = decodeSafetensors(weights);
  const loss = buildLoss(spec.loss, { parameters: () => [] });
  const predictions: OnnxPredictions =
    loss.task === 'binary' || loss.task === 'multilabel'
      ? { task: loss.task, threshold: loss.outputThreshold }
      : { task: loss.task };
  const model = parseAnyModelSpec(spec.model);
  return exportOnnx({
    ...(isGraphSpec(model) ? { graph: model } : { layers: model.layers }),
    stateDict: tensors,
    sampleShape,
    normalization:
      metadata.normalization === undefined ? null : (JSON.parse(metadata.normalization) as Normalization),
    labels: metadata.labels === undefined ? null : (JSON.parse(metadata.labels) as string[]),
    predictions,
    name,
    producerVersion,
  });
}
