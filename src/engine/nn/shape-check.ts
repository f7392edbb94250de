/**
 * Static shape checking of a layer stack: walks the layers with the per-sample input shape and
 * reports each layer that cannot take its input, so a bad job is refused before it runs. The walk
 * also gives each layer's per-sample output shape (for the activation-memory estimate).
 *
 * Every layer type needs a rule here: the switch is exhaustive over the registry (the compiler
 * names a type without one). At run time a type without a rule ends the walk: shapes after it are
 * unknown, which `layerShapes` being shorter than the stack tells, and nothing is guessed.
 */
import type { SpecIssue } from '../errors.js';
import { convOutputSize } from '../ops/conv.js';
import { poolOutputSize } from '../ops/pool.js';
import { numel, shapeToString } from '../tensor.js';
import { convPadding } from './conv.js';
import { adaptiveOutputSize, poolPerDim } from './pool.js';
import type { LayerSpec } from './registry.js';

export interface ShapeCheck {
  /**
   * Per-sample output shape (without the batch dimension), or null when a layer failed or a layer
   * has no shape rule.
   */
  outputShape: number[] | null;
  /**
   * Per-sample output shape of each layer, in order, as far as the walk got: shorter than the stack
   * when a layer failed (it has an issue) or has no shape rule (no issue).
   */
  layerShapes: number[][];
  issues: SpecIssue[];
}

/** `firstSource` says what feeds the first layer in messages ("the data has", "node 'conv1' gives"). */
export function checkLayerShapes(
  layers: readonly LayerSpec[],
  sampleShape: readonly number[],
  firstSource = 'the data has',
): ShapeCheck {
  let shape = [...sampleShape];
  const layerShapes: number[][] = [];
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i];
    const fail = (field: string | null, message: string): ShapeCheck => ({
      outputShape: null,
      layerShapes,
      // A dotted field is a nested one (encoder_layer.d_model).
      issues: [{ path: field === null ? ['layers', i] : ['layers', i, ...field.split('.')], message }],
    });
    const full = [-1, ...shape]; // with the batch dimension, as PyTorch sees it
    switch (layer.type) {
      case 'Linear': {
        const last = shape[shape.length - 1];
        if (shape.length === 0 || last !== layer.in_features) {
          const got =
            shape.length === 0
              ? 'a scalar per sample'
              : `${last} features (input shape ${shapeToString(full)})`;
          const what = i === 0 ? firstSource : 'the previous layer gives';
          return fail('in_features', `in_features is ${layer.in_features} but ${what} ${got}`);
        }
        shape[shape.length - 1] = layer.out_features;
        break;
      }
      case 'Flatten': {
        const rank = full.length;
        const s = layer.start_dim < 0 ? layer.start_dim + rank : layer.start_dim;
        const e = layer.end_dim < 0 ? layer.end_dim + rank : layer.end_dim;
        // Named by the field at fault, with PyTorch's range message and the input shape.
        for (const [field, given, dim] of [
          ['start_dim', layer.start_dim, s],
          ['end_dim', layer.end_dim, e],
        ] as const) {
          if (dim < 0 || dim >= rank)
            return fail(
              field,
              `Dimension out of range (expected to be in range of [${-rank}, ${rank - 1}], but got ${given}) for input shape ${shapeToString(full)}`,
            );
        }
        if (s > e)
          return fail(
            'start_dim',
            `start_dim cannot come after end_dim (dims ${s} and ${e} of input shape ${shapeToString(full)})`,
          );
        if (s === 0)
          return fail(
            'start_dim',
            'Flatten with start_dim 0 would merge the batch dimension; use start_dim >= 1',
          );
        const merged = [...full.slice(0, s), numel(full.slice(s, e + 1)), ...full.slice(e + 1)];
        shape = merged.slice(1);
        break;
      }
      case 'LayerNorm': {
        const ns =
          typeof layer.normalized_shape === 'number' ? [layer.normalized_shape] : layer.normalized_shape;
        const tail = shape.slice(shape.length - ns.length);
        if (shape.length < ns.length || tail.some((d, k) => d !== ns[k])) {
          return fail(
            'normalized_shape',
            `normalized_shape ${shapeToString(ns)} does not match the input shape ${shapeToString(full)}`,
          );
        }
        break;
      }
      case 'BatchNorm1d': {
        if (full.length !== 2 && full.length !== 3) {
          return fail(null, `BatchNorm1d expects 2D or 3D input, got shape ${shapeToString(full)}`);
        }
        if (shape[0] !== layer.num_features) {
          return fail(
            'num_features',
            `num_features is ${layer.num_features} but the input has ${shape[0]} channels`,
          );
        }
        break;
      }
      case 'BatchNorm2d': {
        if (full.length !== 4) {
          return fail(
            null,
            `BatchNorm2d expects 4D input (N, C, H, W), got shape ${shapeToString(full)}${unflattenHint(shape)}`,
          );
        }
        if (shape[0] !== layer.num_features) {
          return fail(
            'num_features',
            `num_features is ${layer.num_features} but the input has ${shape[0]} channels (input shape ${shapeToString(full)})`,
          );
        }
        break;
      }
      case 'Dropout2d': {
        if (full.length !== 3 && full.length !== 4) {
          return fail(
            null,
            `Dropout2d zeroes whole channels of (N, C, H, W) or (N, C, L) input, got shape ${shapeToString(full)}; use Dropout for flat features`,
          );
        }
        break;
      }
      case 'Unflatten': {
        const rank = full.length;
        const d = layer.dim < 0 ? layer.dim + rank : layer.dim;
        if (d < 0 || d >= rank) {
          return fail(
            'dim',
            `Dimension out of range (expected to be in range of [${-rank}, ${rank - 1}], but got ${layer.dim}) for input shape ${shapeToString(full)}`,
          );
        }
        if (d === 0) return fail('dim', 'Unflatten with dim 0 would split the batch dimension; use dim >= 1');
        const sizes = unflattened(layer.unflattened_size, full[d]);
        if (sizes === null) {
          return fail(
            'unflattened_size',
            `unflattened_size ${shapeToString(layer.unflattened_size)} does not multiply up to the size of dim ${layer.dim} (${full[d]}) of the input shape ${shapeToString(full)}`,
          );
        }
        shape = [...full.slice(1, d), ...sizes, ...full.slice(d + 1)];
        break;
      }
      case 'Conv1d':
      case 'Conv2d': {
        const dims = layer.type === 'Conv1d' ? 1 : 2;
        if (full.length !== dims + 2) {
          const form = dims === 1 ? '(N, C, L)' : '(N, C, H, W)';
          return fail(
            null,
            `${layer.type} expects ${dims + 2}D input ${form}, got shape ${shapeToString(full)}${dims === 2 ? unflattenHint(shape) : ''}`,
          );
        }
        if (shape[0] !== layer.in_channels) {
          return fail(
            'in_channels',
            `in_channels is ${layer.in_channels} but the input has ${shape[0]} channels (input shape ${shapeToString(full)})`,
          );
        }
        const each = (v: number | readonly number[]) =>
          typeof v === 'number' ? Array(dims).fill(v) : [...v];
        const kernel = each(layer.kernel_size);
        const stride = each(layer.stride);
        const dilation = each(layer.dilation);
        const pads = convPadding(layer.padding, kernel, dilation);
        const spatial = shape.slice(1);
        const padded = spatial.map((d, k) => d + pads[2 * k] + pads[2 * k + 1]);
        const reach = kernel.map((k, d) => dilation[d] * (k - 1) + 1);
        if (padded.some((d, k) => d < reach[k])) {
          return fail(
            'kernel_size',
            `Calculated padded input size per channel: (${padded.join(' x ')}). Kernel size: (${reach.join(' x ')}). Kernel size can't be greater than actual input size (input shape ${shapeToString(full)})`,
          );
        }
        const out = spatial.map((d, k) =>
          convOutputSize(d, kernel[k], stride[k], pads[2 * k], pads[2 * k + 1], dilation[k]),
        );
        shape = [layer.out_channels, ...out];
        break;
      }
      case 'MaxPool1d':
      case 'MaxPool2d':
      case 'AvgPool1d':
      case 'AvgPool2d':
      case 'AdaptiveAvgPool1d':
      case 'AdaptiveAvgPool2d':
      case 'AdaptiveMaxPool2d': {
        const dims = layer.type.endsWith('1d') ? 1 : 2;
        if (full.length !== dims + 2) {
          const form = dims === 1 ? '(N, C, L)' : '(N, C, H, W)';
          return fail(
            null,
            `${layer.type} expects ${dims + 2}D input ${form}, got shape ${shapeToString(full)}${dims === 2 ? unflattenHint(shape) : ''}`,
          );
        }
        const spatial = shape.slice(1);
        if ('output_size' in layer) {
          shape = [shape[0], ...adaptiveOutputSize(layer.output_size, spatial)];
          break;
        }
        const kernel = poolPerDim(layer.kernel_size, dims);
        const stride = poolPerDim(layer.stride ?? kernel, dims);
        const padding = poolPerDim(layer.padding, dims);
        const dilation = poolPerDim('dilation' in layer ? layer.dilation : 1, dims);
        const tooMuch = padding.findIndex((p, k) => p > kernel[k] / 2);
        if (tooMuch >= 0)
          return fail(
            'padding',
            `pad should be at most half of kernel size, but got pad=${padding[tooMuch]} and kernel_size=${kernel[tooMuch]}`,
          );
        const out = spatial.map((d, k) =>
          poolOutputSize(d, kernel[k], stride[k], padding[k], dilation[k], layer.ceil_mode),
        );
        if (out.some((d) => d < 1))
          return fail(
            'kernel_size',
            `Given input size: (${shape.join('x')}). Calculated output size: (${[shape[0], ...out].join('x')}). Output size is too small`,
          );
        shape = [shape[0], ...out];
        break;
      }
      case 'Embedding':
        shape = [...shape, layer.embedding_dim]; // token ids in, one vector per id out
        break;
      case 'RNN':
      case 'LSTM':
      case 'GRU': {
        if (full.length !== 3) {
          const form = layer.batch_first ? '(N, L, H_in)' : '(L, N, H_in)';
          return fail(
            null,
            `${layer.type} expects 3D input ${form}, got shape ${shapeToString(full)}${shape.length === 1 ? ' (one feature vector per sample: an Unflatten layer, e.g. {"type": "Unflatten", "dim": 1, "unflattened_size": [L, H_in]}, makes it a sequence)' : ''}`,
          );
        }
        if (shape[1] !== layer.input_size) {
          const what = i === 0 ? firstSource : 'the previous layer gives';
          return fail(
            'input_size',
            `input.size(-1) must be equal to input_size. Expected ${layer.input_size}, got ${shape[1]}: ${what} ${shape[1]} features per step (input shape ${shapeToString(full)})`,
          );
        }
        shape = [shape[0], (layer.bidirectional ? 2 : 1) * layer.hidden_size];
        break;
      }
      case 'Select':
      case 'Mean': {
        const rank = full.length;
        const d = layer.dim < 0 ? layer.dim + rank : layer.dim;
        if (d < 0 || d >= rank)
          return fail(
            'dim',
            `Dimension out of range (expected to be in range of [${-rank}, ${rank - 1}], but got ${layer.dim}) for input shape ${shapeToString(full)}`,
          );
        if (d === 0)
          return fail('dim', `${layer.type} over dim 0 would reduce the batch dimension; use dim >= 1`);
        if (layer.type === 'Select') {
          const size = full[d];
          if (layer.index < -size || layer.index >= size)
            return fail(
              'index',
              `select(): index ${layer.index} out of range for tensor of size ${shapeToString(full)} at dimension ${d}`,
            );
          shape = full.slice(1).filter((_, k) => k !== d - 1);
        } else {
          shape = full.slice(1).map((n, k) => (k === d - 1 ? 1 : n));
          if (!layer.keepdim) shape.splice(d - 1, 1);
        }
        break;
      }
      case 'MultiheadAttention':
      case 'TransformerEncoderLayer':
      case 'TransformerEncoder':
      case 'PositionalEncoding': {
        const a = attentionDims(layer);
        const form = a.batchFirst ? '(N, L, E)' : '(L, N, E)';
        if (full.length !== 3)
          return fail(
            null,
            `${layer.type} expects 3D input ${form}, got shape ${shapeToString(full)}${shape.length === 1 ? ' (one vector per sample: an Embedding of token ids, or an Unflatten layer, makes it a sequence)' : ''}`,
          );
        if (shape[1] !== a.embedDim) {
          const what = i === 0 ? firstSource : 'the previous layer gives';
          return fail(
            a.field,
            `${a.field} is ${a.embedDim} but ${what} ${shape[1]} features per step (input shape ${shapeToString(full)})`,
          );
        }
        if (layer.type === 'PositionalEncoding' && layer.batch_first && shape[0] > layer.max_len)
          return fail('max_len', `max_len is ${layer.max_len} but the sequences have ${shape[0]} steps`);
        if (a.paddingMask !== null) {
          const embedding = layers.slice(0, i).findLast((l) => l.type === 'Embedding');
          if (embedding === undefined || embedding.type !== 'Embedding' || embedding.padding_idx === null)
            return fail(
              a.paddingMask,
              `${a.paddingMask} "padding_idx" needs an Embedding with padding_idx earlier in the model`,
            );
          if (!a.batchFirst)
            return fail(
              a.paddingMask,
              `${a.paddingMask} "padding_idx" needs batch_first: true (the token ids are (N, L), so the layer's input must be (N, L, E))`,
            );
        }
        break;
      }
      case 'ReLU':
      case 'LeakyReLU':
      case 'Sigmoid':
      case 'Tanh':
      case 'GELU':
      case 'ELU':
      case 'SiLU':
      case 'Softplus':
      case 'Identity':
      case 'Dropout':
        break; // elementwise: the shape stays
      default: {
        // No rule for this type: later shapes are unknown (see the file's comment).
        const unknown: never = layer;
        void unknown;
        return { outputShape: null, layerShapes, issues: [] };
      }
    }
    layerShapes.push([...shape]);
  }
  return { outputShape: shape, layerShapes, issues: [] };
}

type AttentionSpec = Extract<
  LayerSpec,
  { type: 'MultiheadAttention' | 'TransformerEncoderLayer' | 'TransformerEncoder' | 'PositionalEncoding' }
>;

/** The embedding size (and its field), layout and key padding mask field of an attention layer. */
function attentionDims(layer: AttentionSpec): {
  embedDim: number;
  field: string;
  batchFirst: boolean;
  paddingMask: string | null;
} {
  switch (layer.type) {
    case 'MultiheadAttention':
      return {
        embedDim: layer.embed_dim,
        field: 'embed_dim',
        batchFirst: layer.batch_first,
        paddingMask: layer.key_padding_mask === null ? null : 'key_padding_mask',
      };
    case 'TransformerEncoderLayer':
      return {
        embedDim: layer.d_model,
        field: 'd_model',
        batchFirst: layer.batch_first,
        paddingMask: layer.src_key_padding_mask === null ? null : 'src_key_padding_mask',
      };
    case 'TransformerEncoder':
      return {
        embedDim: layer.encoder_layer.d_model,
        field: 'encoder_layer.d_model',
        batchFirst: layer.encoder_layer.batch_first,
        paddingMask: layer.src_key_padding_mask === null ? null : 'src_key_padding_mask',
      };
    case 'PositionalEncoding':
      return { embedDim: layer.d_model, field: 'd_model', batchFirst: layer.batch_first, paddingMask: null };
  }
}

/** `sizes` with a -1 inferred so that they multiply up to `size`, or null when they cannot. */
function unflattened(sizes: readonly number[], size: number): number[] | null {
  const out = [...sizes];
  const unknown = out.indexOf(-1);
  if (unknown >= 0) {
    const known = numel(out.filter((_, k) => k !== unknown));
    if (known === 0 || size % known !== 0) return null;
    out[unknown] = size / known;
  }
  return numel(out) === size ? out : null;
}

/** For flat features given to an image layer: how to make them an image. */
function unflattenHint(shape: readonly number[]): string {
  return shape.length === 1
    ? ` (flat features: an Unflatten layer, e.g. {"type": "Unflatten", "dim": 1, "unflattened_size": [C, H, W]}, makes them an image)`
    : '';
}
