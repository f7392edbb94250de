/**
 * The training-run spec: model, loss, optimizer, optional scheduler, and training options, in
 * the JSON form users write (PyTorch class names and snake_case kwargs). The zod schema documents
 * the shape (OpenAPI, TypeScript types); `parseRunSpec` parses each part against its registry so
 * every bad field is reported with its full path, e.g. `optimizer.betas[0]`.
 */
import { z } from 'zod';
import { gradClipSchema } from '../engine/clip.js';
import { collectIssues, SpecError, type SpecIssue } from '../engine/errors.js';
import { lossRegistry, lossSpecSchema } from '../engine/losses/registry.js';
import { graphModelSchema } from '../engine/nn/graph-spec.js';
import { type AnyModelSpec, parseAnyModelSpec } from '../engine/nn/model-spec.js';
import { layerSpecSchema } from '../engine/nn/registry.js';
import { optimizerRegistry, optimizerSpecSchema } from '../engine/optim/registry.js';
import { schedulerRegistry, schedulerSpecSchema } from '../engine/schedulers/registry.js';
import { parseTyped, parseWith } from '../engine/spec-parse.js';

export const earlyStoppingSchema = z.strictObject({
  monitor: z
    .enum([
      'loss',
      'val_loss',
      'accuracy',
      'val_accuracy',
      'mae',
      'val_mae',
      'rmse',
      'val_rmse',
      'r2',
      'val_r2',
    ])
    .default('val_loss')
    .describe('The epoch metric to watch.'),
  mode: z.enum(['min', 'max']).default('min').describe('Whether smaller (min) or larger (max) is better.'),
  patience: z.number().int().min(0).default(5).describe('Epochs without improvement before stopping.'),
  min_delta: z.number().finite().min(0).default(0).describe('Smallest change that counts as an improvement.'),
  restore_best: z.boolean().default(true).describe("Restore the best epoch's weights when training ends."),
});

export const trainingOptionsSchema = z.strictObject({
  epochs: z.number().int().min(1).describe('Passes over the training data.'),
  batch_size: z.number().int().min(1).describe('Samples per optimizer step; the last partial batch is kept.'),
  shuffle: z.boolean().default(true).describe('Reshuffle the samples every epoch (seeded).'),
  seed: z
    .number()
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .default(0)
    .describe('Seeds weight init, shuffling, dropout and splits.'),
  grad_clip: gradClipSchema.optional().describe('clip_grad_norm_ applied after every backward pass.'),
  validation_split: z
    .number()
    .gt(0)
    .lt(1)
    .optional()
    .describe('Share of the samples held out for validation (seeded; stratified for classification).'),
  normalize: z
    .enum(['none', 'standard'])
    .default('none')
    .describe(
      'Standardise features with statistics of the training split; predict applies the same transform.',
    ),
  early_stopping: earlyStoppingSchema.optional().describe('Stop when the monitored metric stops improving.'),
  max_runtime_s: z
    .number()
    .positive()
    .optional()
    .describe('Fail the job with code `timeout` after this many seconds of training.'),
});
export type TrainingOptions = z.output<typeof trainingOptionsSchema>;

export const runSpecSchema = z.strictObject({
  model: z
    .union([z.strictObject({ layers: z.array(layerSpecSchema).min(1) }), graphModelSchema])
    .describe(
      'An nn.Sequential `{"layers": [...]}`, or a graph of named nodes `{"inputs", "nodes", "output"}`.',
    ),
  loss: lossSpecSchema,
  optimizer: optimizerSpecSchema,
  scheduler: schedulerSpecSchema.optional(),
  training: trainingOptionsSchema,
});

export interface RunSpec {
  model: AnyModelSpec;
  loss: z.output<typeof lossSpecSchema>;
  optimizer: z.output<typeof optimizerSpecSchema>;
  scheduler?: z.output<typeof schedulerSpecSchema>;
  training: TrainingOptions;
}

/** Parses a run spec, collecting every issue (not just the first) with its full path. */
export function parseRunSpec(value: unknown): RunSpec {
  const issues: SpecIssue[] = [];
  const part = <T>(fn: () => T): T | undefined => collectIssues(issues, fn);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SpecError([{ path: [], message: 'expected a JSON object' }]);
  }
  const v = value as Record<string, unknown>;
  for (const key of ['model', 'loss', 'optimizer', 'training']) {
    if (v[key] === undefined) issues.push({ path: [key], message: `${key} is required` });
  }
  const model = v.model === undefined ? undefined : part(() => parseAnyModelSpec(v.model, ['model']));
  const loss =
    v.loss === undefined ? undefined : part(() => parseTyped(lossRegistry, v.loss, 'loss', ['loss']));
  const optimizer =
    v.optimizer === undefined
      ? undefined
      : part(() => parseTyped(optimizerRegistry, v.optimizer, 'optimizer', ['optimizer']));
  const scheduler =
    v.scheduler === undefined || v.scheduler === null
      ? undefined
      : part(() => parseTyped(schedulerRegistry, v.scheduler, 'scheduler', ['scheduler']));
  const training =
    v.training === undefined
      ? undefined
      : part(() => parseWith(trainingOptionsSchema, v.training, ['training']));
  if (scheduler !== undefined && training !== undefined)
    issues.push(...checkSchedulerLength(scheduler, training.epochs));
  if ((loss as { reduction?: string } | undefined)?.reduction === 'none') {
    issues.push({
      path: ['loss', 'reduction'],
      message:
        "reduction 'none' gives one loss per element, but training needs a single value: use 'mean' or 'sum'",
    });
  }
  if (issues.length > 0) throw new SpecError(issues);
  return { model: model!, loss: loss!, optimizer: optimizer!, scheduler, training: training! } as RunSpec;
}

/** The trainer steps the scheduler once per epoch; OneCycleLR refuses to step past its total. */
function checkSchedulerLength(scheduler: z.output<typeof schedulerSpecSchema>, epochs: number): SpecIssue[] {
  if (scheduler.type !== 'OneCycleLR') return [];
  const total = scheduler.total_steps ?? (scheduler.epochs ?? 0) * (scheduler.steps_per_epoch ?? 0);
  if (total >= epochs) return [];
  const field = scheduler.total_steps === null ? 'epochs' : 'total_steps';
  return [
    {
      path: ['scheduler', field],
      message: `OneCycleLR steps once per epoch here, so it needs at least ${epochs} total steps (training.epochs); it has ${total}`,
    },
  ];
}
