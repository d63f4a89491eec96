// The MNIST experiment's settings and their defaults: DEFAULT_MNIST, the base other experiments build on
// (`taynode beyond`), and MNIST_COMMAND_DEFAULTS, the main job's (`taynode mnist`), sized for about 15
// minutes on a 2-core machine (docs/experiments/mnist.md: the estimate and how it was made).
import type { MethodName, GradientMethod, RuntimeDtype as Dtype, TaylorEstimator } from 'taynode';

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
  /** how R_K is estimated (src/terms/README.md): 'stages' (exact), or once per step, 'stepRandom' / 'stepStart' (cheaper) */
  estimator: TaylorEstimator;
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
  /** test images solved one at a time (batch 1) for the per-example NFE (0: the whole test set) */
  perExample: number;
  /** training images solved one at a time for the per-example NFE (0: all; else the first ones of the shuffled split) */
  perExampleTrain: number;
  /** training-curve checkpoints per run (Fig. 3), evenly spaced from the first iteration to the last */
  curvePoints: number;
  /** the first this many training images, solved jointly in batches of nfeBatch: each checkpoint's NFE and error */
  curveImages: number;
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
  estimator: 'stages',
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
  perExampleTrain: 50,
  curvePoints: 5,
  curveImages: 1000,
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

/**
 * `taynode mnist` without flags: λ = 0 and one λ on the fast path (the f32 runtime is the command's
 * --dtype default; backprop keeps the forward solve's stages instead of replaying it: 67 against 99 ms
 * an f32 iteration at NFE 20 here; R_3 once per step at a random time, 'stepRandom': the same NFE and
 * error as the exact 'stages' over 200 iterations at 0.65× its CPU), a schedule long enough for the
 * unregularised NFE to grow and short enough for about 15 minutes (docs/experiments/mnist.md), the
 * per-example NFE over the whole test set and a 2,000-image training sample, Fig. 3 from 20 checkpoints.
 * A separate object so that changing the main job's run does not change the experiments built on the base.
 */
export const MNIST_COMMAND_DEFAULTS: MnistSettings = {
  ...DEFAULT_MNIST,
  epochs: 35,
  estimator: 'stepRandom',
  gradient: 'backprop',
  lambdas: [3.02e-2],
  perExample: 0,
  perExampleTrain: 2000,
  curvePoints: 20,
};
