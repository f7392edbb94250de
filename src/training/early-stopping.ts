/**
 * Early stopping (Keras-style): stop when the monitored metric has not improved by more than
 * `min_delta` for `patience` epochs; remember the best epoch so its weights can be restored.
 */
export interface EarlyStoppingOptions {
  monitor: string;
  mode: 'min' | 'max';
  patience: number;
  min_delta: number;
  restore_best: boolean;
}

export interface EarlyStoppingState {
  best: number | null;
  bestEpoch: number | null;
  wait: number;
}

export class EarlyStopping {
  private state: EarlyStoppingState = { best: null, bestEpoch: null, wait: 0 };

  constructor(readonly options: EarlyStoppingOptions) {}

  /** Records an epoch's metrics; returns whether this epoch is the new best. */
  update(epoch: number, metrics: Readonly<Record<string, unknown>>): boolean {
    const value = metrics[this.options.monitor];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new RangeError(
        `early_stopping.monitor: metric '${this.options.monitor}' is not reported by this job`,
      );
    }
    const { best } = this.state;
    const delta = this.options.min_delta;
    const improved =
      best === null || (this.options.mode === 'min' ? value < best - delta : value > best + delta);
    if (improved) this.state = { best: value, bestEpoch: epoch, wait: 0 };
    else this.state = { ...this.state, wait: this.state.wait + 1 };
    return improved;
  }

  get shouldStop(): boolean {
    return this.state.wait >= this.options.patience;
  }

  get bestEpoch(): number | null {
    return this.state.bestEpoch;
  }

  get best(): number | null {
    return this.state.best;
  }

  getState(): EarlyStoppingState {
    return { ...this.state };
  }

  setState(state: EarlyStoppingState): void {
    this.state = { ...state };
  }
}
