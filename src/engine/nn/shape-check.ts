/**
 * Static shape checking of a layer stack: walks the layers with the per-sample input shape and
 * reports each layer that cannot take its input, so a bad job is refused before it runs.
 */
import type { SpecIssue } from '../errors.js';
import { numel, shapeToString } from '../tensor.js';
import type { LayerSpec } from './registry.js';

export interface ShapeCheck {
  /** Per-sample output shape (without the batch dimension), or null when a layer failed. */
  outputShape: number[] | null;
  issues: SpecIssue[];
}

export function checkLayerShapes(layers: readonly LayerSpec[], sampleShape: readonly number[]): ShapeCheck {
  let shape = [...sampleShape];
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i];
    const fail = (field: string | null, message: string): ShapeCheck => ({
      outputShape: null,
      issues: [{ path: field === null ? ['layers', i] : ['layers', i, field], message }],
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
          const what = i === 0 ? 'the data has' : 'the previous layer gives';
          return fail('in_features', `in_features is ${layer.in_features} but ${what} ${got}`);
        }
        shape[shape.length - 1] = layer.out_features;
        break;
      }
      case 'Flatten': {
        const rank = full.length;
        const s = layer.start_dim < 0 ? layer.start_dim + rank : layer.start_dim;
        const e = layer.end_dim < 0 ? layer.end_dim + rank : layer.end_dim;
        if (s < 0 || s >= rank || e < 0 || e >= rank || s > e) {
          return fail(
            'start_dim',
            `cannot flatten dims ${layer.start_dim}..${layer.end_dim} of an input of rank ${rank}`,
          );
        }
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
      default:
        break; // elementwise layers keep the shape
    }
  }
  return { outputShape: shape, issues: [] };
}
