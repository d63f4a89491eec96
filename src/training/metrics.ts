// Per-iteration training records: what the loop measured, kept in memory and serialisable as JSON.
import { ArgumentError } from '../errors.js';

export interface IterationMetrics {
  iteration: number;
  /** The objective minimised: data loss plus every λ·regulariser. */
  loss: number;
  /** The data loss alone. */
  dataLoss: number;
  /** Each regulariser's integral (before λ), by name: r2, r3, kinetic, jacobian… */
  regularizers: Record<string, number>;
  /** Evaluations of the dynamics in the forward solve and in the backward pass. */
  nfeForward: number;
  nfeBackward: number;
  acceptedSteps: number;
  rejectedSteps: number;
  learningRate: number;
  /** Wall time of the whole iteration (forward, backward, update), milliseconds. */
  wallMs: number;
  /** With lambdaControl: the λ (lambdaScale) this iteration trained with, and the NFE measured before it (when due). */
  lambda?: number;
  nfeMeasured?: number;
}

export class MetricsLog {
  readonly records: IterationMetrics[] = [];

  push(record: IterationMetrics): void {
    this.records.push(record);
  }

  get last(): IterationMetrics | undefined {
    return this.records[this.records.length - 1];
  }

  /** Mean of a numeric field over the last `window` records. */
  recentMean(field: 'loss' | 'dataLoss' | 'nfeForward' | 'nfeBackward' | 'wallMs', window = 10): number {
    // slice(-0) would be every record, so a window of 0 must not reach it.
    if (!Number.isInteger(window) || window < 1) throw new ArgumentError('window', 'a positive integer', window);
    const tail = this.records.slice(-window);
    return tail.length === 0 ? NaN : tail.reduce((s, r) => s + r[field], 0) / tail.length;
  }

  /** One JSON object per line. */
  toJsonLines(): string {
    return this.records.map((r) => JSON.stringify(r)).join('\n') + (this.records.length ? '\n' : '');
  }
}
