// The comparison behind `bench/estimator-frontier.ts`: for each λ, the cheap R_K estimator's NFE and
// error against the exact integral's, each as mean ± sd over seeds. "No worse" is judged against the
// seeds' own spread: the cheap mean may exceed the exact mean by at most the larger of the two sds.

import { meanAndSd } from '../packages/cli/src/experiments/cnf/evaluate.js';

export interface SeedFigures {
  lambda: number;
  /** one value per seed */
  nfe: number[];
  /** the task's error per seed: test error (MNIST) or NLL (CNF) */
  error: number[];
  /** training CPU seconds per seed */
  cpu: number[];
}

export interface Spread {
  mean: number;
  sd: number;
  values: number[];
}

/** Mean and sample sd (n − 1; NaN below two values), with the values. */
export function spread(values: readonly number[]): Spread {
  return { ...meanAndSd(values), values: [...values] };
}

export interface FrontierPoint {
  lambda: number;
  exact: { nfe: Spread; error: Spread; cpu: Spread };
  cheap: { nfe: Spread; error: Spread; cpu: Spread };
  /** cheap mean − exact mean, and the allowance (the larger sd) they are judged against */
  nfe_excess: number;
  error_excess: number;
  nfe_allowance: number;
  error_allowance: number;
  /** cheap CPU ÷ exact CPU (means over the seeds) */
  cpu_ratio: number;
  no_worse: boolean;
}

/** Pairs the two estimators' runs by λ; a λ missing on either side is refused. */
export function compareFrontiers(exact: SeedFigures[], cheap: SeedFigures[]): FrontierPoint[] {
  return exact.map((e) => {
    const c = cheap.find((x) => x.lambda === e.lambda);
    if (!c) throw new Error(`the cheap estimator has no run at λ = ${e.lambda}`);
    if (c.nfe.length !== e.nfe.length)
      throw new Error(`λ = ${e.lambda}: ${e.nfe.length} exact seeds against ${c.nfe.length} cheap ones`);
    const ex = { nfe: spread(e.nfe), error: spread(e.error), cpu: spread(e.cpu) };
    const ch = { nfe: spread(c.nfe), error: spread(c.error), cpu: spread(c.cpu) };
    const allowance = (a: Spread, b: Spread) => Math.max(a.sd, b.sd);
    const nfeExcess = ch.nfe.mean - ex.nfe.mean,
      errorExcess = ch.error.mean - ex.error.mean;
    const nfeAllowance = allowance(ex.nfe, ch.nfe),
      errorAllowance = allowance(ex.error, ch.error);
    return {
      lambda: e.lambda,
      exact: ex,
      cheap: ch,
      nfe_excess: nfeExcess,
      error_excess: errorExcess,
      nfe_allowance: nfeAllowance,
      error_allowance: errorAllowance,
      cpu_ratio: ch.cpu.mean / ex.cpu.mean,
      no_worse: nfeExcess <= nfeAllowance && errorExcess <= errorAllowance,
    };
  });
}
