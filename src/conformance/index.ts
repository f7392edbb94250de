/**
 * Computes every case of a conformance file with the engine, never reading the expected values.
 * The kind of case is told by its fields (the files' formats are in shared/conformance/README.md).
 * A case that cannot be computed gets `{name, error}` and the rest go on.
 */
import { computeClipCase } from './clip.js';
import { computeLayerCase, type LayerCaseInput } from './layers.js';
import { computeLossCase, type LossCaseInput } from './losses.js';
import { computeOptimizerCase } from './optimizers.js';
import { computeSchedulerCase } from './schedulers.js';
import { computeTrainingCase, type TrainingCase } from './training.js';

export type CaseKind = 'losses' | 'optimizers' | 'schedulers' | 'clip' | 'training' | 'layers';

type RawCase = Record<string, unknown> & { name?: unknown };

export function kindOf(c: RawCase): CaseKind {
  if ('model' in c) return 'training';
  if ('layer' in c) return 'layers';
  if ('op' in c) return 'clip';
  if ('loss' in c) return 'losses';
  if ('scheduler' in c) return 'schedulers';
  if ('optimizer' in c) return 'optimizers';
  throw new Error(
    'cannot tell what this case tests (no model, layer, op, loss, scheduler or optimizer field)',
  );
}

export async function computeCase(c: RawCase): Promise<Record<string, unknown>> {
  switch (kindOf(c)) {
    case 'training':
      return { ...(await computeTrainingCase(c as unknown as TrainingCase)) };
    case 'clip':
      return { ...computeClipCase(c) };
    case 'losses':
      return { ...computeLossCase(c as unknown as LossCaseInput) };
    case 'schedulers':
      return { ...computeSchedulerCase(c) };
    case 'optimizers':
      return { ...computeOptimizerCase(c) };
    case 'layers':
      return { ...computeLayerCase(c as unknown as LayerCaseInput) };
  }
}

export async function computeFile(file: unknown): Promise<{ cases: Record<string, unknown>[] }> {
  const cases = (file as { cases?: unknown }).cases;
  if (!Array.isArray(cases)) throw new Error('expected a JSON object with a "cases" array');
  const out: Record<string, unknown>[] = [];
  for (const raw of cases as RawCase[]) {
    const name = raw?.name ?? null;
    try {
      out.push({ name, ...(await computeCase(raw)) });
    } catch (err) {
      out.push({ name, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return { cases: out };
}
