/**
 * ONNX export of the attention layers. Not written yet: the exporter refuses them with a message
 * naming the layer (the route answers 4xx), so a Transformer model is trained and saved as
 * safetensors but has no ONNX file.
 */
import type { LayerSpec } from '../../engine/nn/registry.js';
import { OnnxExportError } from './errors.js';
import type { LayerContext } from './layers.js';

type AttentionSpec = Extract<
  LayerSpec,
  { type: 'MultiheadAttention' | 'TransformerEncoderLayer' | 'TransformerEncoder' | 'PositionalEncoding' }
>;

export function attentionRefused(layer: AttentionSpec, _ctx: LayerContext): string {
  throw new OnnxExportError(`${layer.type} has no ONNX export yet; download the safetensors weights instead`);
}
