// When a converging run stops (`taynode cnf --converge`): the validation NLL is checked every
// `every` iterations; the run stops on the first of
// - 'target': the validation NLL is within `gap` (2 % for the 2-D sets, 5 % for mixture16) of the
//   validation set's true NLL, for sets whose density is known;
// - 'patience': the validation NLL has not improved on its best for `patience` iterations;
// - 'max-iterations': the cap.
// A fixed-length run ends by 'iterations'; a run whose loss or solver fails, by 'diverged'.
import { ArgumentError } from 'taynode';

export const STOP_REASONS = ['target', 'patience', 'max-iterations', 'iterations', 'diverged'] as const;
export type StopReason = (typeof STOP_REASONS)[number];

export interface StopRuleOptions {
  every: number;
  patience: number;
  /** fraction of |true NLL| the validation NLL may exceed it by to count as converged */
  gap: number;
  /** the validation set's true NLL, when the density is known */
  trueNll?: number;
}

export class StopRule {
  best = Infinity;
  bestIteration = -1;
  constructor(readonly o: StopRuleOptions) {
    if (!Number.isInteger(o.every) || o.every < 1)
      throw new ArgumentError('every', 'a positive integer (iterations between validation checks)', o.every);
    if (!Number.isInteger(o.patience) || o.patience < o.every)
      throw new ArgumentError('patience', `an integer of at least every (${o.every}) iterations`, o.patience);
    if (!(o.gap >= 0)) throw new ArgumentError('gap', 'a non-negative fraction', o.gap);
  }

  /** Whether iteration `it` (0-based, just done) is a validation check. */
  due(it: number): boolean {
    return (it + 1) % this.o.every === 0;
  }

  /** Records the validation NLL after iteration `it`; the reason to stop, if any; `improved` when it is the best so far. */
  check(it: number, nll: number): { stop?: StopReason; improved: boolean } {
    const improved = nll < this.best;
    if (improved) {
      this.best = nll;
      this.bestIteration = it;
    }
    const t = this.o.trueNll;
    if (t !== undefined && nll <= t + this.o.gap * Math.abs(t)) return { stop: 'target', improved };
    if (it - this.bestIteration >= this.o.patience) return { stop: 'patience', improved };
    return { improved };
  }
}
