/** Errors a training run can end with, each with a stable code the service reports. */

/** The loss became NaN or ±Infinity: the run cannot recover, and retrying would repeat it. */
export class DivergedError extends Error {
  readonly code = 'diverged';

  constructor(
    readonly epoch: number,
    readonly step: number,
    readonly loss: number,
  ) {
    super(
      `loss became ${loss} at epoch ${epoch}, step ${step}; try a lower learning rate or gradient clipping`,
    );
    this.name = 'DivergedError';
  }
}

/** The run used up `training.max_runtime_s`. */
export class TimeoutError extends Error {
  readonly code = 'timeout';

  constructor(
    readonly maxRuntimeS: number,
    readonly epoch: number,
  ) {
    super(`training exceeded max_runtime_s (${maxRuntimeS} s) during epoch ${epoch}`);
    this.name = 'TimeoutError';
  }
}
