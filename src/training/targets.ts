/**
 * What targets a loss accepts, checked against the model's output shape before a job runs:
 * class indices (integers below the number of classes), class probabilities, 0/1 labels, ±1
 * labels, or real values. A 1-D target for a model with one output per sample is taken as a
 * column (N → N×1), which is what users mean; PyTorch would silently broadcast it to N×N.
 */
import { analyzeExpression } from '../engine/custom-loss/analyze.js';
import type { SpecIssue } from '../engine/errors.js';
import { lossRegistry } from '../engine/losses/registry.js';
import { parseTyped } from '../engine/spec-parse.js';
import { type NestedArray, numel, sameShape, shapeToString } from '../engine/tensor.js';
import type { RunSpec } from './spec.js';

export interface TargetRule {
  /** Problems with y (already known to be a finite numeric array of N samples). */
  check(y: NestedArray, yShape: readonly number[]): SpecIssue[];
  /** The shape y is given to the loss in. */
  targetShape(yShape: readonly number[]): number[];
}

type ValueRule = { test: (v: number) => boolean; message: string } | null;

const zeroOne: ValueRule = { test: (v) => v >= 0 && v <= 1, message: 'must be between 0 and 1' };
const plusMinusOne: ValueRule = { test: (v) => v === 1 || v === -1, message: 'must be 1 or -1' };
const binaryLabel: ValueRule = { test: (v) => v === 0 || v === 1, message: 'must be 0 or 1' };

function flatValues(y: NestedArray, out: number[] = []): number[] {
  if (Array.isArray(y)) for (const v of y) flatValues(v, out);
  else out.push(y);
  return out;
}

/** Path of flat element i of an array of `shape` (`data.y[3][1]`). */
function elementPath(i: number, shape: readonly number[]): (string | number)[] {
  const path: (string | number)[] = ['data', 'y'];
  let rest = i;
  for (let d = 0; d < shape.length; d++) {
    const stride = numel(shape.slice(d + 1));
    path.push(Math.floor(rest / stride));
    rest %= stride;
  }
  return path;
}

function checkValues(y: NestedArray, yShape: readonly number[], rule: ValueRule, limit = 5): SpecIssue[] {
  if (rule === null) return [];
  const issues: SpecIssue[] = [];
  const values = flatValues(y);
  for (let i = 0; i < values.length && issues.length < limit; i++) {
    if (!rule.test(values[i]))
      issues.push({ path: elementPath(i, yShape), message: `${values[i]} ${rule.message}` });
  }
  return issues;
}

/** Targets of the output's shape, with a column output also accepting a 1-D y. */
function elementwise(outputShape: readonly number[], values: ValueRule, lossName: string): TargetRule {
  const isColumn = outputShape.length === 2 && outputShape[1] === 1;
  return {
    targetShape: (yShape) => (isColumn && yShape.length === 1 ? [yShape[0], 1] : [...yShape]),
    check(y, yShape) {
      const shape = isColumn && yShape.length === 1 ? [yShape[0], 1] : yShape;
      if (!sameShape(shape, outputShape)) {
        return [
          {
            path: ['data', 'y'],
            message: `${lossName} needs targets shaped like the model output ${shapeToString(outputShape)} (N × ${outputShape.slice(1).join(' × ')}), got ${shapeToString(yShape)}`,
          },
        ];
      }
      return checkValues(y, yShape, values);
    },
  };
}

/** Class-index targets (N, d1…) for outputs (N, C, d1…); CrossEntropyLoss also takes probabilities. */
function classTargets(
  outputShape: readonly number[],
  ignoreIndex: number,
  lossName: string,
  allowProbabilities: boolean,
): TargetRule {
  const classes = outputShape[1];
  const indexShape = [outputShape[0], ...outputShape.slice(2)];
  return {
    targetShape: (yShape) => [...yShape],
    check(y, yShape) {
      if (outputShape.length < 2) {
        return [
          {
            path: ['model', 'layers'],
            message: `${lossName} needs a model output of shape (N, C); the model gives ${shapeToString(outputShape)}`,
          },
        ];
      }
      if (allowProbabilities && sameShape(yShape, outputShape)) return checkValues(y, yShape, zeroOne);
      if (!sameShape(yShape, indexShape)) {
        const alt = allowProbabilities ? ` or class probabilities ${shapeToString(outputShape)}` : '';
        return [
          {
            path: ['data', 'y'],
            message: `${lossName} needs class indices of shape ${shapeToString(indexShape)}${alt}, got ${shapeToString(yShape)}`,
          },
        ];
      }
      return checkValues(y, yShape, {
        test: (v) => v === ignoreIndex || (Number.isInteger(v) && v >= 0 && v < classes),
        message: `is not a class index: the model has ${classes} output classes (0 to ${classes - 1})`,
      });
    },
  };
}

/** Any finite targets, a 1-D y still taken as a column for a one-output model. */
function lenient(outputShape: readonly number[]): TargetRule {
  const isColumn = outputShape.length === 2 && outputShape[1] === 1;
  return { check: () => [], targetShape: (s) => (isColumn && s.length === 1 ? [s[0], 1] : [...s]) };
}

/** The target rule for a loss spec, given the model's output shape (N, …). */
export function lossTargets(loss: RunSpec['loss'], outputShape: readonly number[]): TargetRule {
  const spec = loss as { type: string; ignore_index?: number };
  switch (spec.type) {
    case 'CrossEntropyLoss':
      return classTargets(outputShape, spec.ignore_index ?? -100, spec.type, true);
    case 'NLLLoss':
      return classTargets(outputShape, spec.ignore_index ?? -100, spec.type, false);
    case 'BCELoss':
    case 'BCEWithLogitsLoss':
      return elementwise(outputShape, zeroOne, spec.type);
    case 'MultiLabelSoftMarginLoss':
      return elementwise(outputShape, binaryLabel, spec.type);
    case 'SoftMarginLoss':
      return elementwise(outputShape, plusMinusOne, spec.type);
    case 'GaussianNLLLoss':
      return {
        targetShape: (s) => [...s],
        check: () => [
          {
            path: ['loss', 'type'],
            message:
              'GaussianNLLLoss needs a variance input besides the model output; it is available in the library, not for jobs',
          },
        ],
      };
    case 'MSELoss':
    case 'L1Loss':
    case 'SmoothL1Loss':
    case 'HuberLoss':
    case 'KLDivLoss':
    case 'PoissonNLLLoss':
      return elementwise(outputShape, null, spec.type);
    case 'Custom': {
      // The expression's own loss calls tell what its targets are.
      const kind = analyzeExpression((loss as { expression: string }).expression).targetKind;
      if (kind === 'float') return lenient(outputShape);
      return classTargets(outputShape, -100, 'the Custom loss', kind === 'class_index_or_probabilities');
    }
    case 'Sum': {
      // Terms are stored as given; parse the first (already validated) for its defaults.
      const first = (loss as { terms: { loss: unknown }[] }).terms[0].loss;
      return lossTargets(parseTyped(lossRegistry, first, 'loss') as RunSpec['loss'], outputShape);
    }
    default:
      return lenient(outputShape);
  }
}
