/**
 * A trained model as an ONNX model (IR version 8, opset 17), from its safetensors weights and
 * spec alone: the service's input standardisation first (Sub, Div), then one exporter per layer
 * (./layers.ts), computing what `POST /v1/jobs/{id}/predict` computes. Outputs: `output` (the
 * model's outputs) and, for classification losses, `predictions` (int64 class indices, or 0/1
 * labels), as predict gives them. Label names, the spec and the job id go into metadata_props.
 */

import type { GraphModelSpec } from '../../engine/nn/graph-spec.js';
import type { LayerSpec } from '../../engine/nn/registry.js';
import type { Normalization } from '../../training/normalize.js';
import { OnnxExportError } from './errors.js';
import { attr, DataType, type Dim, OnnxGraph, valueInfo } from './graph.js';
import { exportGraph } from './graph-model.js';
import { exportLayers } from './layer-stack.js';
import type { StateTensor } from './layers.js';
import { encodeModel } from './proto.js';

export const ONNX_OPSET = 17;
/** The IR version of ONNX 1.12, whose opset is 17. */
export const ONNX_IR_VERSION = 8;

/** What predict derives from the outputs (from the loss): see predictionsOf in src/training/predict.ts. */
export type OnnxPredictions =
  | { task: 'multiclass' }
  | { task: 'binary' | 'multilabel'; threshold: number }
  | { task: 'regression' };

export interface OnnxExportInput {
  /** The sequential form's layers; or `graph`, a model graph. */
  layers?: readonly LayerSpec[];
  graph?: GraphModelSpec;
  stateDict: Readonly<Record<string, StateTensor>>;
  /** Per-sample input shape, e.g. [features]. */
  sampleShape: readonly number[];
  normalization: Normalization | null;
  predictions: OnnxPredictions;
  labels: readonly string[] | null;
  /** Graph name and `job_id` metadata. */
  name: string;
  /** More metadata_props (string values). */
  metadata?: Record<string, string>;
  producerVersion?: string;
}

export { OnnxExportError };

const BATCH = 'batch';

export function exportOnnx(model: OnnxExportInput): Uint8Array {
  const graph = new OnnxGraph();
  const input = graph.reserve('input');
  let value = input;
  if (model.normalization !== null) value = normalize(graph, value, model.sampleShape, model.normalization);

  let shape: readonly number[];
  if (model.graph !== undefined) {
    ({ value, shape } = exportGraph(graph, value, model.sampleShape, model.graph, model.stateDict));
  } else {
    ({ value, shape } = exportLayers(
      graph,
      value,
      model.sampleShape,
      model.layers ?? [],
      (i) => String(i),
      model.stateDict,
    ));
  }

  const output = graph.node('Identity', [value], 'output');
  const outputs = [valueInfo(output, DataType.FLOAT, [BATCH, ...shape])];
  const predictions = predictionNode(graph, output, shape, model.predictions);
  if (predictions !== null)
    outputs.push(valueInfo(predictions.name, DataType.INT64, [BATCH, ...predictions.shape]));

  const metadata: Record<string, string> = {
    job_id: model.name,
    spec: JSON.stringify(model.graph ?? { layers: model.layers }),
    ...(model.labels === null ? {} : { labels: JSON.stringify(model.labels) }),
    ...(model.normalization === null
      ? {}
      : { normalization: JSON.stringify(model.normalization), normalization_in_graph: 'true' }),
    ...model.metadata,
  };
  return encodeModel({
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'trainyard',
    producer_version: model.producerVersion ?? '',
    doc_string: 'Exported by Trainyard: GET /v1/jobs/{id}/model?format=onnx',
    graph: {
      name: model.name,
      node: graph.nodes,
      initializer: graph.initializers,
      input: [valueInfo(input, DataType.FLOAT, [BATCH, ...model.sampleShape] as Dim[])],
      output: outputs,
    },
    metadata_props: Object.entries(metadata).map(([key, v]) => ({ key, value: v })),
  });
}

/**
 * (x - mean) / std with the statistics shaped to broadcast: like one sample for per-feature
 * statistics, (C, 1, …) for per-channel ones of a (C, …) sample (as torchvision's Normalize).
 */
function normalize(graph: OnnxGraph, x: string, sampleShape: readonly number[], norm: Normalization): string {
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const perChannel = sampleShape.length > 1 && norm.mean.length === sampleShape[0];
  const dims =
    norm.mean.length === size
      ? sampleShape
      : perChannel
        ? [sampleShape[0], ...sampleShape.slice(1).map(() => 1)]
        : [norm.mean.length];
  const centered = graph.node(
    'Sub',
    [x, graph.float('normalization.mean', dims, norm.mean)],
    'normalized_centered',
  );
  return graph.node('Div', [centered, graph.float('normalization.std', dims, norm.std)], 'normalized');
}

function predictionNode(
  graph: OnnxGraph,
  output: string,
  shape: readonly number[],
  predictions: OnnxPredictions,
): { name: string; shape: readonly number[] } | null {
  switch (predictions.task) {
    case 'multiclass':
      if (shape.length === 0) return null; // predict gives none for (N,) outputs either
      return {
        name: graph.node('ArgMax', [output], 'predictions', { axis: attr.int(1), keepdims: attr.int(0) }),
        shape: shape.slice(1),
      };
    case 'binary':
    case 'multilabel': {
      const above = graph.node(
        'Greater',
        [output, graph.scalar('threshold', predictions.threshold)],
        'above_threshold',
      );
      return { name: graph.node('Cast', [above], 'predictions', { to: attr.int(DataType.INT64) }), shape };
    }
    case 'regression':
      return null;
  }
}
