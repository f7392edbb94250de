/**
 * Gradient clipping, after `torch.nn.utils.clip_grad_norm_` and `clip_grad_value_` (PyTorch 1.13).
 * Both modify `.grad` in place; parameters whose grad is null are left out and stay null.
 */
import { z } from 'zod';
import type { Tensor } from './tensor.js';

export type NormType = number | 'inf';

/**
 * Scales all gradients together so that their joint `normType`-norm (the norm of the
 * concatenated gradients) is at most `maxNorm`: every gradient is multiplied by
 * `min(1, maxNorm / (totalNorm + 1e-6))`. Returns the total norm before clipping (0 when no
 * parameter has a gradient). `'inf'` is the largest absolute value. The norm is accumulated in
 * float64.
 */
export function clipGradNorm_(params: readonly Tensor[], maxNorm: number, normType: NormType = 2): number {
  if (normType !== 'inf' && !(normType > 0)) {
    throw new RangeError(`clip_grad_norm_: norm_type must be a positive number or 'inf', got ${normType}`);
  }
  const grads = params.flatMap((p) => (p.grad === null ? [] : [p.grad.data]));
  if (grads.length === 0) return 0;
  const totalNorm =
    normType === 'inf' || normType === Number.POSITIVE_INFINITY ? maxAbs(grads) : pNorm(grads, normType);
  const coef = Math.min(1, maxNorm / (totalNorm + 1e-6));
  for (const g of grads) {
    for (let i = 0; i < g.length; i++) g[i] *= coef;
  }
  return totalNorm;
}

/** Clamps every gradient element into `[-clipValue, clipValue]`. */
export function clipGradValue_(params: readonly Tensor[], clipValue: number): void {
  for (const p of params) {
    if (p.grad === null) continue;
    const g = p.grad.data;
    for (let i = 0; i < g.length; i++) g[i] = Math.min(Math.max(g[i], -clipValue), clipValue);
  }
}

function maxAbs(grads: readonly Float32Array[]): number {
  let m = 0;
  for (const g of grads) for (const v of g) m = Math.max(m, Math.abs(v));
  return m;
}

function pNorm(grads: readonly Float32Array[], p: number): number {
  let sum = 0;
  if (p === 2) {
    for (const g of grads) for (const v of g) sum += v * v;
    return Math.sqrt(sum);
  }
  for (const g of grads) for (const v of g) sum += Math.abs(v) ** p;
  return sum ** (1 / p);
}

/** The `grad_clip` JSON of a training run: `clip_grad_norm_`'s kwargs. */
export const gradClipSchema = z.strictObject({
  max_norm: z
    .number()
    .positive({ error: (iss) => `max_norm must be a positive number, but got ${iss.input}` })
    .describe('Largest allowed total norm of the gradients.'),
  norm_type: z
    .union([z.number(), z.literal('inf')])
    .refine((v) => v === 'inf' || v > 0, {
      error: (iss) => `norm_type must be a positive number or "inf", but got ${iss.input}`,
    })
    .default(2)
    .describe('Which p-norm: a positive number, or "inf" for the largest absolute value.'),
});

export type GradClip = z.output<typeof gradClipSchema>;
