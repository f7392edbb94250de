/**
 * Weighted sums of losses: the schema (nesting through z.lazy, limits), building with errors
 * re-rooted under the failing term, and the value and gradient of the sum.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  buildCustomLoss,
  buildSumLoss,
  customLossSpecSchema,
  type ForwardLoss,
  MAX_SUM_DEPTH,
  type SumLossSpec,
  sumLossSpecSchema,
} from '../../../src/engine/custom-loss/index.js';
import { SpecError } from '../../../src/engine/errors.js';
import { l1Loss, mseLoss } from '../../../src/engine/losses/index.js';
import { buildLoss, lossRegistry } from '../../../src/engine/losses/registry.js';
import { parseWith } from '../../../src/engine/spec-parse.js';
import { type Tensor, tensor } from '../../../src/engine/tensor.js';

/** A loss union like the registry's will be: the built-ins, Custom and Sum (recursively). */
const anyLoss: z.ZodType = z.lazy(() =>
  z.union([...Object.values(lossRegistry), customLossSpecSchema, sumSchema]),
);
const sumSchema = sumLossSpecSchema(anyLoss);

type Spec = { type: string; [key: string]: unknown };

function build(spec: unknown, parameters?: () => Tensor[]): ForwardLoss {
  const s = spec as Spec;
  if (s.type === 'Custom') return buildCustomLoss(customLossSpecSchema.parse(s), { parameters });
  if (s.type === 'Sum') return buildSumLoss(parseWith(sumSchema, s), (inner) => build(inner, parameters));
  return buildLoss(s);
}

describe('Sum loss', () => {
  const input = () => tensor([0.5, -1, 2], { requiresGrad: true });
  const target = tensor([0, 0.5, 1]);
  const xs = [0.5, -1, 2];
  const ts = [0, 0.5, 1];

  it('adds weighted terms: 0.7·MSE + 0.3·Custom L1', () => {
    const spec = {
      type: 'Sum',
      terms: [
        { weight: 0.7, loss: { type: 'MSELoss' } },
        { weight: 0.3, loss: { type: 'Custom', expression: 'mean(abs(input - target))' } },
      ],
    };
    const x = input();
    const out = build(spec).forward(x, target);
    const d = xs.map((v, i) => v - ts[i]);
    const expected =
      (0.7 * d.reduce((s, v) => s + v * v, 0)) / 3 + (0.3 * d.reduce((s, v) => s + Math.abs(v), 0)) / 3;
    expect(out.shape).toEqual([]);
    expect(out.item()).toBeCloseTo(expected, 5);
    expect(out.item()).toBeCloseTo(
      0.7 * mseLoss(tensor(xs), target).item() + 0.3 * l1Loss(tensor(xs), target).item(),
      5,
    );
    out.backward();
    const grad = d.map((v) => (0.7 * 2 * v) / 3 + (0.3 * Math.sign(v)) / 3);
    (x.grad?.data ?? []).forEach((g, i) => {
      expect(g).toBeCloseTo(grad[i], 5);
    });
  });

  it('nests Sums and passes the parameters to Custom terms', () => {
    const p = tensor([3, -4], { requiresGrad: true });
    const spec = {
      type: 'Sum',
      terms: [
        {
          weight: 2,
          loss: { type: 'Sum', terms: [{ weight: 0.5, loss: { type: 'L1Loss', reduction: 'sum' } }] },
        },
        { weight: -1, loss: { type: 'Custom', expression: '0.1 * l2(params) + 0 * mean(input)' } },
      ],
    };
    const out = build(spec, () => [p]).forward(input(), target);
    const l1 = xs.reduce((s, v, i) => s + Math.abs(v - ts[i]), 0);
    expect(out.item()).toBeCloseTo(l1 - 0.1 * 25, 5);
    out.backward();
    // d/dp of −1 · 0.1 · Σp² is −0.2p.
    expect(p.grad?.data[0]).toBeCloseTo(-0.6, 6);
    expect(p.grad?.data[1]).toBeCloseTo(0.8, 6);
  });

  it('validates its spec with paths to the bad field', () => {
    const bad = (spec: unknown) => {
      const result = sumSchema.safeParse(spec);
      expect(result.success).toBe(false);
      return result.error?.issues ?? [];
    };
    expect(bad({ type: 'Sum', terms: [] })[0].path).toEqual(['terms']);
    expect(bad({ type: 'Sum', terms: [{ loss: { type: 'MSELoss' } }] })[0].path).toEqual([
      'terms',
      0,
      'weight',
    ]);
    const custom = bad({
      type: 'Sum',
      terms: [
        { weight: 1, loss: { type: 'MSELoss' } },
        { weight: 1, loss: { type: 'Custom', expression: 'mean(input' } },
      ],
    });
    const positioned = custom.flatMap((i) =>
      'errors' in i ? (i.errors as z.core.$ZodIssue[][]).flat() : [i],
    );
    expect(positioned.some((i) => /at column 11/.test(i.message))).toBe(true);
    expect(bad({ type: 'Sum', terms: [{ weight: 1, loss: { type: 'MSELoss' } }], extra: true })[0].code).toBe(
      'unrecognized_keys',
    );
  });

  it('limits nesting so hostile JSON cannot exhaust the stack', () => {
    let spec: unknown = { type: 'MSELoss' };
    for (let i = 0; i < 5000; i++) spec = { type: 'Sum', terms: [{ weight: 1, loss: spec }] };
    const result = sumSchema.safeParse(spec);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({
      path: ['terms', 0, 'loss'],
      message: `Sum losses may nest at most ${MAX_SUM_DEPTH} deep`,
    });
    let ok: unknown = { type: 'MSELoss' };
    for (let i = 0; i < MAX_SUM_DEPTH; i++) ok = { type: 'Sum', terms: [{ weight: 1, loss: ok }] };
    expect(sumSchema.safeParse(ok).success).toBe(true);
    expect(sumSchema.safeParse({ type: 'Sum', terms: [{ weight: 1, loss: ok }] }).success).toBe(false);
  });

  it('is a strict object discriminated by type, so it joins a discriminated union', () => {
    const union = z.discriminatedUnion('type', [lossRegistry.MSELoss, customLossSpecSchema, sumSchema]);
    expect(union.safeParse({ type: 'Sum', terms: [{ weight: 1, loss: { type: 'MSELoss' } }] }).success).toBe(
      true,
    );
    expect(z.toJSONSchema(sumSchema, { io: 'input', unrepresentable: 'any' })).toMatchObject({
      properties: { type: { const: 'Sum' } },
    });
  });

  it('re-roots a term build error under terms[i].loss', () => {
    const spec: SumLossSpec = {
      type: 'Sum',
      terms: [
        { weight: 1, loss: { type: 'MSELoss' } },
        { weight: 1, loss: { type: 'HuberLoss', delta: -1 } },
      ],
    };
    try {
      buildSumLoss(spec, (inner) => buildLoss(inner));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SpecError);
      expect((error as SpecError).issues[0].path).toEqual(['terms', 1, 'loss', 'delta']);
    }
  });

  it('rejects a term that does not reduce to a single value', () => {
    const loss = buildSumLoss(
      { type: 'Sum', terms: [{ weight: 1, loss: { type: 'MSELoss', reduction: 'none' } }] },
      buildLoss,
    );
    expect(() => loss.forward(input(), target)).toThrow(
      /terms\[0\]\.loss: the loss must reduce to a single value; got shape \[3\]/,
    );
  });
});
