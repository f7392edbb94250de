/**
 * Metrics accumulated over mini-batches: the sample-weighted loss, accuracy for classification
 * losses (from the loss's metadata), and MAE, RMSE and R² for regression losses.
 */
import { countCorrect } from '../engine/losses/accuracy.js';
import type { Loss } from '../engine/losses/loss.js';
import type { Tensor } from '../engine/tensor.js';

export interface SplitMetrics {
  loss: number;
  accuracy?: number;
  mae?: number;
  rmse?: number;
  r2?: number;
}

export class MetricAccumulator {
  private samples = 0;
  private lossSum = 0;
  private correct = 0;
  private counted = 0;
  private absErr = 0;
  private sqErr = 0;
  private ySum = 0;
  private ySq = 0;
  private elements = 0;

  constructor(private readonly loss: Loss) {}

  /** Adds one batch: its (mean) loss, its outputs and its targets. */
  add(batchLoss: number, batchSize: number, output: Tensor, target: Tensor): void {
    this.samples += batchSize;
    this.lossSum += batchLoss * batchSize;
    const tally = countCorrect(this.loss, output, target);
    if (tally !== null) {
      this.correct += tally.correct;
      this.counted += tally.total;
    }
    if (this.loss.task === 'regression' && output.size === target.size) {
      for (let i = 0; i < output.size; i++) {
        const y = target.data[i];
        const d = output.data[i] - y;
        this.absErr += Math.abs(d);
        this.sqErr += d * d;
        this.ySum += y;
        this.ySq += y * y;
      }
      this.elements += output.size;
    }
  }

  finish(): SplitMetrics {
    const out: SplitMetrics = { loss: this.samples > 0 ? this.lossSum / this.samples : Number.NaN };
    if (this.counted > 0) out.accuracy = this.correct / this.counted;
    if (this.elements > 0) {
      const n = this.elements;
      out.mae = this.absErr / n;
      out.rmse = Math.sqrt(this.sqErr / n);
      const totalVariance = this.ySq - (this.ySum * this.ySum) / n;
      // R² is undefined for constant targets; report 0 (no better than the mean) rather than NaN.
      out.r2 = totalVariance > 0 ? 1 - this.sqErr / totalVariance : 0;
    }
    return out;
  }
}

/** Confusion matrix counts [true class][predicted class] for multiclass and binary losses. */
export function confusionMatrix(loss: Loss, output: Tensor, target: Tensor): number[][] | null {
  if (loss.task === 'multiclass') {
    if (output.ndim !== 2 || target.ndim !== 1) return null; // probability or spatial targets: skip
    const [n, c] = output.shape;
    const m = Array.from({ length: c }, () => new Array<number>(c).fill(0));
    for (let i = 0; i < n; i++) {
      const label = target.data[i];
      if (label === loss.ignoreIndex) continue;
      let best = 0;
      for (let k = 1; k < c; k++) if (output.data[i * c + k] > output.data[i * c + best]) best = k;
      m[label][best]++;
    }
    return m;
  }
  if (loss.task === 'binary' && output.size === target.size && output.size === output.shape[0]) {
    const m = [
      [0, 0],
      [0, 0],
    ];
    for (let i = 0; i < output.size; i++) {
      const truth = target.data[i] > loss.targetThreshold ? 1 : 0;
      const predicted = output.data[i] > loss.outputThreshold ? 1 : 0;
      m[truth][predicted]++;
    }
    return m;
  }
  return null;
}
