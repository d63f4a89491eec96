// The experiment's settings and their defaults (what `taynode cnf` runs with no options).
import type { DatasetName } from './data.js';
import type { FlowActivation, Regulariser } from './model.js';
import { ArgumentError, type GradientMethod, type NoiseKind, type TaylorEstimator } from 'taynode';

export interface CnfSettings {
  dataset: DatasetName;
  trainSize: number;
  testSize: number;
  /** hidden widths of the ConcatSquashLinear dynamics (FFJORD's toy default 64,64,64) */
  hidden: number[];
  activation: FlowActivation;
  iterations: number;
  batchSize: number;
  lr: number;
  /** Hutchinson's ε (training) and the Jacobian–Frobenius term's */
  noise: NoiseKind;
  /** the rows of Table 2: regularisers × training solvers ('dopri5', 'rk4-<steps>') */
  regularisers: Regulariser[];
  solvers: string[];
  /** λ of RNODE's two terms (each), Finlay et al.'s 0.01 */
  rnodeLambda: number;
  /** λ of R_2 in the table's rows (one point of the sweep too) */
  r2Lambda: number;
  /** λ of R_3 in the table's rows (R_3 is larger than R_2 on the same flow, so it takes a smaller λ) */
  r3Lambda: number;
  /** Fig. 5c: further λ of R_2 trained with dopri5 (the table's λ is one point of the sweep too) */
  sweepLambdas: number[];
  /** dopri5 rtol = atol while training (FFJORD's 1e-5) */
  trainTol: number;
  /** tolerances of the reported NLL and NFE: FFJORD's 1e-5 and the paper's 1.4e-8 */
  evalTols: number[];
  /** test points the tightest evaluation tolerance solves (it is the dearest); all test points for the others */
  tightEvalSize: number;
  /** the test set is solved in batches of this many points: NFE mean ± sd over the batches */
  testBatchSize: number;
  /** test points also solved one at a time at each tolerance: the per-example NFE distribution */
  perExampleNfe: number;
  /** train each row until the stop rule (stop.ts) ends it, at most maxIterations; otherwise `iterations` exactly */
  converge: boolean;
  maxIterations: number;
  /** iterations between validation checks, and without improvement before the run stops */
  evalEvery: number;
  patience: number;
  /** validation points (drawn only for converging runs) */
  validationSize: number;
  /** the target's gap to the true NLL: default 2 % (5 % for mixture16) */
  convergeGap?: number;
  /** how training differentiates through the solver */
  gradient: GradientMethod;
  /** how R_2 / R_3 are estimated: beside z at every stage ('stages'), or once per accepted step */
  taylorEstimator: TaylorEstimator;
  /** reg NLL ≤ (1 + budget)·|unreg NLL| worse to count (the target's 1 %) */
  nllBudget: number;
  maxSteps: number;
  seed: number;
}

export const DEFAULT_CNF: CnfSettings = {
  dataset: '8gaussians',
  trainSize: 20000,
  testSize: 1000,
  hidden: [64, 64, 64],
  activation: 'tanh',
  iterations: 300,
  batchSize: 100,
  lr: 3e-3,
  noise: 'gaussian',
  regularisers: ['none', 'rnode', 'r2', 'r3'],
  solvers: ['dopri5', 'rk4-5', 'rk4-6', 'rk4-8'],
  rnodeLambda: 0.01,
  r2Lambda: 3,
  r3Lambda: 0.3,
  sweepLambdas: [0.3, 1, 10],
  trainTol: 1e-5,
  evalTols: [1e-5, 1.4e-8],
  tightEvalSize: 1000,
  testBatchSize: 1000,
  perExampleNfe: 0,
  converge: false,
  maxIterations: 10000,
  evalEvery: 100,
  patience: 1000,
  validationSize: 2000,
  gradient: 'checkpoint',
  taylorEstimator: 'stages',
  nllBudget: 0.01,
  maxSteps: 2000,
  seed: 0,
};

/**
 * What `taynode cnf` runs with no options: DEFAULT_CNF (which `taynode beyond` shares, unchanged) with
 * the robust evaluation: 10,000 fresh test points in 10 batches of 1,000 at both tolerances, and 100
 * points solved one by one.
 */
export const CNF_COMMAND_DEFAULTS: CnfSettings = {
  ...DEFAULT_CNF,
  testSize: 10000,
  tightEvalSize: 10000,
  perExampleNfe: 100,
};

/** The stop rule's gap: the setting, else 5 % for mixture16 (the issue's) and 2 % for every other set. */
export const convergeGap = (s: CnfSettings): number => s.convergeGap ?? (s.dataset === 'mixture16' ? 0.05 : 0.02);

/**
 * Refuses, before any training, an R_K estimator a training solver cannot take: 'stepRandom' reads
 * dopri5's dense output, which rk4 does not have ('stepStart' and 'stages' take any solver).
 */
export function checkEstimatorSolvers(s: Pick<CnfSettings, 'taylorEstimator' | 'solvers' | 'regularisers'>): void {
  const rk = s.regularisers.some((r) => r === 'r2' || r === 'r3');
  const fixed = s.solvers.filter((x) => x !== 'dopri5');
  if (rk && s.taylorEstimator === 'stepRandom' && fixed.length) {
    throw new ArgumentError(
      '--taylor-estimator',
      `'stages' or 'stepStart' with the fixed-grid solvers ${fixed.join(', ')} (stepRandom needs dopri5's dense output)`,
      s.taylorEstimator,
    );
  }
}
