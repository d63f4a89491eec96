// Whether a run is long enough for its verdict (NFE ratio, error increase, time ratio) to mean
// anything: after a few iterations both models are still close to their shared initialisation, so
// they differ by noise, not by what R_K did.

/** Iterations below which a verdict means nothing (a third of the earlier 300-iteration default). */
export const MIN_ITERATIONS_FOR_VERDICT = 100;

/** Why the run is too short to judge, or undefined when it is long enough. */
export function tooShortForVerdict(iterations: number, epochs: number): string | undefined {
  if (iterations >= MIN_ITERATIONS_FOR_VERDICT) return undefined;
  return (
    `a run of ${iterations} iteration${iterations === 1 ? '' : 's'} (${epochs.toFixed(2)} epochs) is too short for this verdict to mean anything ` +
    `(fewer than ${MIN_ITERATIONS_FOR_VERDICT}): both models are still near their shared initialisation; run at least ${MIN_ITERATIONS_FOR_VERDICT} iterations (the default run: 35 epochs of 8,000 images, 2,800)`
  );
}
