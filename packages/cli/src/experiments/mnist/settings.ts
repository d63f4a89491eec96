// The MNIST experiment's settings and their defaults. The defaults are sized for a run of about 15
// minutes on a 2-core machine (README: "The MNIST experiment"); the paper's protocol is
// --digits 10000 --epochs 160 --train-tol 1.4e-8 --lambdas <its sweep> (days of compute here).
import type { MethodName, GradientMethod, RuntimeDtype as Dtype } from 'taynode';

export interface MnistSettings {
  /** images used in all (train + test), at most the package's 10,000 */
  digits: number;
  /** fraction of them held out for the test set (stratified) */
  testFraction: number;
  /** SGD iterations per run (minibatches of batchSize); `epochs` overrides it when set */
  iterations: number;
  /** passes over the training set per run, instead of `iterations` (0: use iterations) */
  epochs: number;
  batchSize: number;
  /** the schedule's first rate (the paper's 0.1), then ×0.1 at 60/160, 100/160, 140/160 of the run */
  lr: number;
  momentum: number;
  /** linear warm-up from lr/10 over this many iterations (0: none) */
  warmup: number;
  /** K of R_K */
  order: number;
  /** the λ sweep (R_K weight); λ = 0 is always run as the baseline */
  lambdas: number[];
  /**
   * integrate R_K only where its gradient is needed (the replay), as the paper's code does: the forward
   * solve carries z alone (same steps, same gradient; R_K of a batch is then not reported while training)
   */
  lazyTerms: boolean;
  /**
   * the gradient through the ODE block: 'checkpoint' (replays each step), 'backprop' (keeps the forward
   * solve's stages: no replay, more memory; computes R_K in the forward solve, so lazyTerms does not apply)
   * or 'adjoint'
   */
  gradient: GradientMethod;
  /** the training solver (adaptive) and its rtol = atol; the error norm sees z alone */
  trainMethod: MethodName;
  trainTol: number;
  /** the reported NFE: dopri5 at rtol = atol = evalTol (the paper's 1.4e-8) */
  evalTol: number;
  /**
   * the value type every reported NFE, error and R_K is measured in: 'float64' measures an f32-trained
   * model on an f64 copy of its weights (at 1.4e-8 f32's rounding would enter the error estimate and
   * add steps the dynamics do not need); 'float32' measures the f32 model itself. Moot for f64 training.
   */
  evalDtype: Dtype;
  /** images solved jointly (one step size) per NFE batch (the paper's 1,000) */
  nfeBatch: number;
  /** training images in the final NFE/error/loss evaluation (0: all) */
  evalTrain: number;
  /** images solved one at a time for the per-example NFE (train and test each) */
  perExample: number;
  /** training-curve checkpoints per run (Fig. 3): NFE and error on the first nfeBatch training images */
  curvePoints: number;
  /** images in the R_K measurement of each trained model */
  rkImages: number;
  /** Fig. 8a: tolerances, the reference tolerance and the number of images */
  errorTols: number[];
  refTol: number;
  errorImages: number;
  /** accept a regularised run whose test error is at most this many percentage points above λ = 0's */
  maxErrorIncrease: number;
  /** Fig. 6 (expensive; off by default): orders × solvers, one λ per order */
  fig6: boolean;
  fig6Orders: number[];
  fig6Methods: MethodName[];
  fig6Lambda: number;
  /** the tolerance of Fig. 6's training and NFE (the low-order solvers cannot reach 1.4e-8 in time) */
  fig6Tol: number;
  seed: number;
}

export const DEFAULT_MNIST: MnistSettings = {
  digits: 10_000,
  testFraction: 0.2,
  iterations: 300,
  epochs: 0,
  batchSize: 100,
  lr: 0.1,
  momentum: 0.9,
  warmup: 0,
  order: 3,
  lambdas: [3.02e-3, 3.02e-2, 3.02e-1],
  lazyTerms: true,
  gradient: 'checkpoint',
  trainMethod: 'dopri5',
  trainTol: 1e-5,
  evalTol: 1.4e-8,
  evalDtype: 'float64',
  nfeBatch: 1000,
  evalTrain: 2000,
  perExample: 50,
  curvePoints: 5,
  rkImages: 200,
  errorTols: [1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1.4e-8],
  refTol: 1e-11,
  errorImages: 100,
  maxErrorIncrease: 1,
  fig6: false,
  fig6Orders: [2, 3, 4, 5],
  fig6Methods: ['heun_euler', 'bosh3', 'dopri5'],
  fig6Lambda: 3.02e-3,
  fig6Tol: 1e-4,
  seed: 0,
};

/** Iterations of a run: `epochs` passes over `trainSize` images when set, else `iterations`. */
export function runIterations(s: MnistSettings, trainSize: number): number {
  return s.epochs > 0 ? Math.max(1, Math.round((s.epochs * trainSize) / s.batchSize)) : s.iterations;
}
