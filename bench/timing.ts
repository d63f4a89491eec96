// Timing helpers the benchmarks share (each bench prints ratios measured side by side in one run).

/** Milliseconds per call: best of `rounds` windows of ~`windowMs` each, after a warm-up of three calls. */
export function bestMsPerCall(fn: () => void, windowMs = 40, rounds = 5): number {
  for (let i = 0; i < 3; i++) fn();
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    let reps = 0;
    const start = performance.now();
    do {
      fn();
      reps++;
    } while (performance.now() - start < windowMs);
    best = Math.min(best, (performance.now() - start) / reps);
  }
  return best;
}

/** The median (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
