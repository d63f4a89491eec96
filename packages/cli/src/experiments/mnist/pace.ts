// What a run costs as it goes: seconds per iteration over the recent iterations (an iteration's cost
// grows with the NFE its dynamics need, so the whole-run mean would lag), and the time left at that pace.
import { ArgumentError } from 'taynode';

export class Pace {
  private readonly recent: number[] = [];

  /** `window`: how many of the latest iterations the pace averages over */
  constructor(private readonly window = 20) {
    if (!Number.isInteger(window) || window < 1) throw new ArgumentError('window', 'a positive integer', window);
  }

  /** One more iteration took `ms` milliseconds. */
  add(ms: number): void {
    this.recent.push(ms);
    if (this.recent.length > this.window) this.recent.shift();
  }

  /** Seconds per iteration over the recent ones (NaN before the first). */
  secondsPerIteration(): number {
    if (this.recent.length === 0) return NaN;
    return this.recent.reduce((a, v) => a + v, 0) / this.recent.length / 1000;
  }

  /** Seconds left for `iterations` more at the current pace. */
  secondsLeft(iterations: number): number {
    return iterations * this.secondsPerIteration();
  }
}

/** 75 → '1m15s', 4000 → '1h06m', 8 → '8s' (unknown: '?'). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export interface CostSegment {
  /** iterations [from, to) */
  from: number;
  to: number;
  /** mean milliseconds of an iteration, and its mean NFE forward and backward */
  ms: number;
  nfeForward: number;
  nfeBackward: number;
}

/** The run cut into `segments` equal stretches of iterations: what an iteration cost in each. */
export function costAlongRun(
  records: readonly { ms: number; nfeForward: number; nfeBackward: number }[],
  segments: number,
): CostSegment[] {
  if (!Number.isInteger(segments) || segments < 1) throw new ArgumentError('segments', 'a positive integer', segments);
  const n = records.length,
    out: CostSegment[] = [];
  for (let k = 0; k < Math.min(segments, n); k++) {
    const from = Math.floor((k * n) / Math.min(segments, n)),
      to = Math.floor(((k + 1) * n) / Math.min(segments, n));
    const part = records.slice(from, to);
    const mean = (f: (r: (typeof records)[number]) => number) => part.reduce((a, r) => a + f(r), 0) / part.length;
    out.push({
      from,
      to,
      ms: mean((r) => r.ms),
      nfeForward: mean((r) => r.nfeForward),
      nfeBackward: mean((r) => r.nfeBackward),
    });
  }
  return out;
}
