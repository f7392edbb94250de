/**
 * Runs one case of the clip conformance file (see /work/shared/conformance/README.md): the
 * parameters `[w, b]` (in the order of `grads`) get the case's gradients (null = no grad), then
 * `clip_grad_norm_` or `clip_grad_value_` runs on them. The expected values are never read, so
 * this also works on a case whose `clipped`/`total_norm` were removed.
 */
import { z } from 'zod';
import { clipGradNorm_, clipGradValue_, gradClipSchema } from '../engine/clip.js';
import { parseWith } from '../engine/spec-parse.js';
import { type NestedArray, type Tensor, tensor } from '../engine/tensor.js';

const nested = z.custom<NestedArray>((v) => typeof v === 'number' || Array.isArray(v), 'expected a tensor');

const clipCaseSchema = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('clip_grad_norm_'),
    kwargs: gradClipSchema,
    grads: z.record(z.string(), nested.nullable()),
  }),
  z.object({
    op: z.literal('clip_grad_value_'),
    kwargs: z.strictObject({ clip_value: z.number() }),
    grads: z.record(z.string(), nested.nullable()),
  }),
]);

export interface ClipCaseResult {
  /** The gradients after clipping, by parameter name (null stays null). */
  clipped: Record<string, NestedArray | null>;
  /** clip_grad_norm_'s return value. */
  total_norm?: number;
}

export function computeClipCase(caseJson: unknown): ClipCaseResult {
  const c = parseWith(clipCaseSchema, caseJson);
  const params: [string, Tensor][] = Object.entries(c.grads).map(([name, g]) => {
    const p = tensor(g ?? 0, { requiresGrad: true });
    p.grad = g === null ? null : tensor(g);
    return [name, p];
  });
  const tensors = params.map(([, p]) => p);
  let totalNorm: number | undefined;
  if (c.op === 'clip_grad_norm_') totalNorm = clipGradNorm_(tensors, c.kwargs.max_norm, c.kwargs.norm_type);
  else clipGradValue_(tensors, c.kwargs.clip_value);
  const clipped = Object.fromEntries(
    params.map(([name, p]) => [name, p.grad === null ? null : p.grad.toArray()]),
  );
  return totalNorm === undefined ? { clipped } : { clipped, total_norm: totalNorm };
}
