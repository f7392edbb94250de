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
