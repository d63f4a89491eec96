// The experiment's settings and their defaults (what `taynode cnf` runs with no options).
import type { DatasetName } from './data.js';
import type { FlowActivation, Regulariser } from './model.js';
import type { NoiseKind } from 'taynode';

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
  nllBudget: 0.01,
  maxSteps: 2000,
  seed: 0,
};
