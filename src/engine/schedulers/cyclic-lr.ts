/**
 * CyclicLR: the lr cycles between `base_lr` and `max_lr`, rising over `step_size_up` epochs and
 * falling over `step_size_down`; momentum cycles inversely between `max_momentum` and
 * `base_momentum` when `cycle_momentum` is on (PyTorch's default). The amplitude is scaled per
 * cycle (`triangular`: 1, `triangular2`: halved each cycle) or per epoch (`exp_range`:
 * `gamma ** epoch`). A custom `scale_fn` cannot come over JSON and is not offered.
 *
 * Construction sets every group's lr to `base_lr`. As in PyTorch 1.13, momentum cycling needs
 * an optimizer with `momentum` (SGD, RMSprop); Adam-family `betas` are not cycled here.
 */
import { SpecError, type SpecIssue } from '../errors.js';
import type { Optimizer } from '../optim/optimizer.js';
import { issueIf, LRScheduler, perGroup, positiveInt, throwIfAny, withDefaults } from './lr-scheduler.js';
import { readMomentum, writeMomentum } from './momentum.js';

export type CyclicMode = 'triangular' | 'triangular2' | 'exp_range';

export interface CyclicLROptions {
  baseLr: number | readonly number[];
  maxLr: number | readonly number[];
  stepSizeUp?: number;
  stepSizeDown?: number | null;
  mode?: CyclicMode;
  gamma?: number;
  cycleMomentum?: boolean;
  baseMomentum?: number | readonly number[];
  maxMomentum?: number | readonly number[];
}

export const cyclicModeError = (_value: unknown) => 'mode is invalid and scale_fn is None';

export class CyclicLR extends LRScheduler {
  static readonly defaults = Object.freeze({
    stepSizeUp: 2000,
    stepSizeDown: null,
    mode: 'triangular' as CyclicMode,
    gamma: 1,
    cycleMomentum: true,
    baseMomentum: 0.8,
    maxMomentum: 0.9,
  });

  readonly maxLrs: number[];
  readonly totalSize: number;
  /** Fraction of a cycle spent rising. */
  readonly stepRatio: number;
  readonly mode: CyclicMode;
  readonly gamma: number;
  readonly cycleMomentum: boolean;
  readonly baseMomentums: number[] = [];
  readonly maxMomentums: number[] = [];

  constructor(optimizer: Optimizer, options: CyclicLROptions) {
    super(optimizer);
    const o = withDefaults(CyclicLR.defaults, options);
    throwIfAny(CyclicLR.check(o));
    const baseLrs = perGroup('base_lr', optimizer, o.baseLr);
    optimizer.paramGroups.forEach((g, i) => {
      g.lr = baseLrs[i];
    });
    this.maxLrs = perGroup('max_lr', optimizer, o.maxLr);

    const up = o.stepSizeUp;
    const down = o.stepSizeDown ?? up;
    this.totalSize = up + down;
    this.stepRatio = up / this.totalSize;
    this.mode = o.mode;
    this.gamma = o.gamma;

    this.cycleMomentum = o.cycleMomentum;
    if (o.cycleMomentum) {
      if (!('momentum' in optimizer.defaults)) {
        throw new SpecError([
          {
            path: ['cycle_momentum'],
            message: 'optimizer must support momentum with `cycle_momentum` option enabled',
          },
        ]);
      }
      const baseMomentums = perGroup('base_momentum', optimizer, o.baseMomentum);
      optimizer.paramGroups.forEach((g, i) => {
        writeMomentum(g, 'momentum', baseMomentums[i]);
      });
      this.baseMomentums = optimizer.paramGroups.map((g) => readMomentum(g, 'momentum'));
      this.maxMomentums = perGroup('max_momentum', optimizer, o.maxMomentum);
    }
    // Groups that already had an initialLr keep it (PyTorch's setdefault); baseLrs is base_lr regardless.
    for (const group of optimizer.paramGroups) group.initialLr ??= group.lr;
    this.baseLrs = baseLrs;
    this.lastEpoch = -1;
    this.initialStep();
  }

  static check(o: Required<CyclicLROptions>): SpecIssue[] {
    return [
      ...positiveInt('step_size_up', o.stepSizeUp),
      ...(o.stepSizeDown === null ? [] : positiveInt('step_size_down', o.stepSizeDown)),
      ...issueIf(
        !['triangular', 'triangular2', 'exp_range'].includes(o.mode),
        'mode',
        cyclicModeError(o.mode),
      ),
    ];
  }

  /** The amplitude's scale: per cycle for the triangular modes, per epoch for exp_range. */
  private scale(cycle: number): number {
    if (this.mode === 'triangular') return 1;
    if (this.mode === 'triangular2') return 1 / 2 ** (cycle - 1);
    return this.gamma ** this.lastEpoch;
  }

  protected getLr(): number[] {
    const cycle = Math.floor(1 + this.lastEpoch / this.totalSize);
    const x = 1 + this.lastEpoch / this.totalSize - cycle;
    const scaleFactor = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const scale = this.scale(cycle);

    if (this.cycleMomentum) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const height = (this.maxMomentums[i] - this.baseMomentums[i]) * scaleFactor;
        writeMomentum(g, 'momentum', this.maxMomentums[i] - height * scale);
      });
    }
    return this.baseLrs.map((base, i) => base + (this.maxLrs[i] - base) * scaleFactor * scale);
  }
}
