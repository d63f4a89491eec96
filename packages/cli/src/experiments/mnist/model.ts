// The paper's MNIST classifier (jacobjinkelly/easy-neural-ode, mnist.py) as a taynode model
// description: the flattened image is the ODE state (784 values, no downsampling); the dynamics are
// sigmoid(z) → concat t → Linear(100) → sigmoid → concat t → Linear(784) on t ∈ [0, 1]; the head is
// sigmoid → Linear(10) under softmax cross-entropy. The regulariser is R_K with the reference's
// normalisation (mean over features of (d^K z/dt^K)², averaged over the batch: taynode's `taylor` term).
import {
  Model,
  type ModelSpec,
  NeuralOde,
  type GradientMethod,
  type TaylorEstimator,
  type SolverConfig,
  type MethodName,
  type TermConfig,
  type Rng,
  type Runtime,
  piecewiseConstant,
  type Schedule,
} from 'taynode';
import { CLASSES, PIXELS } from './data.js';

export const HIDDEN = 100;

/** The paper's step schedule: 0.1, 0.01, 0.001, 1e-4 from epochs 60, 100, 140 of 160. */
export const PAPER_EPOCHS = 160;
export const PAPER_BOUNDARIES = [60, 100, 140];
export const PAPER_RATES = [1e-1, 1e-2, 1e-3, 1e-4];

export interface MnistModelOptions {
  /** R_K order; ignored when lambda is 0 */
  order: number;
  /** weight of R_K; 0 integrates no regulariser state at all */
  lambda: number;
  /** the training solver (adaptive): method and rtol = atol */
  method: MethodName;
  tol: number;
  /** the block's terms instead of R_K at λ (the regulariser comparison of `taynode beyond`) */
  terms?: TermConfig[];
  /** the block's gradient method (default 'checkpoint') */
  gradient?: GradientMethod;
  /** how R_K is estimated (default 'stages': exact) */
  estimator?: TaylorEstimator;
}

/** The model description; λ = 0 has no terms (an R_K state would only cost time). */
export function mnistSpec(o: MnistModelOptions): ModelSpec {
  return {
    blocks: [
      {
        dynamics: {
          type: 'sequential',
          layers: [
            { type: 'activation', fn: 'sigmoid' },
            { type: 'concatLinear', inputs: PIXELS, outputs: HIDDEN },
            { type: 'activation', fn: 'sigmoid' },
            { type: 'concatLinear', inputs: HIDDEN, outputs: PIXELS },
          ],
        },
        t0: 0,
        t1: 1,
        terms:
          o.terms ??
          (o.lambda > 0
            ? [
                {
                  kind: 'taylor',
                  order: o.order,
                  lambda: o.lambda,
                  ...(o.estimator && o.estimator !== 'stages' ? { estimator: o.estimator } : {}),
                },
              ]
            : []),
        // Only z enters the step-size control: R_K never shortens a step, so training takes the steps the
        // prediction alone takes (as the reference, whose forward solve integrates z alone).
        solver: { method: o.method, rtol: o.tol, atol: o.tol, errorNorm: 'state', maxSteps: 20_000 },
        gradient: o.gradient ?? 'checkpoint',
      },
    ],
    head: {
      type: 'sequential',
      layers: [
        { type: 'activation', fn: 'sigmoid' },
        { type: 'linear', inputs: PIXELS, outputs: CLASSES },
      ],
    },
  };
}

export function createMnistModel(rt: Runtime, o: MnistModelOptions, rng: Rng): Model {
  return Model.create(rt, mnistSpec(o), rng);
}

/**
 * The same weights with an R_K term (λ = 0: monitored only) and the given solver: to measure R_K of any
 * trained model, regularised or not. Shares the parameters (no copy).
 */
export function withMonitor(model: Model, order: number, solver: SolverConfig): Model {
  const block = model.blocks[0];
  const probe = new NeuralOde(model.rt, block.network, {
    ...block.config,
    terms: [{ kind: 'taylor', order, lambda: 0 }],
    solver: { ...solver, errorNorm: 'state' },
  });
  return new Model(model.rt, { blocks: [probe], head: model.head });
}

/**
 * The paper's schedule scaled to `iterations`: the boundaries sit at 60/160, 100/160 and 140/160 of the
 * run; the rates are `lr` × (1, 0.1, 0.01, 0.001) (the paper's with lr = 0.1). An optional linear warm-up
 * over the first `warmup` iterations from lr/10 (off by default, as in the paper: at lr = 0.1 the first
 * few dozen iterations overshoot, cross-entropy up to ≈ 8, with or without a 30-iteration warm-up).
 */
export function paperSchedule(iterations: number, lr: number, warmup = 0): Schedule {
  const bounds = PAPER_BOUNDARIES.map((e) => Math.max(1, Math.round((iterations * e) / PAPER_EPOCHS)));
  for (let i = 1; i < bounds.length; i++) bounds[i] = Math.max(bounds[i], bounds[i - 1] + 1);
  const step = piecewiseConstant(
    bounds,
    PAPER_RATES.map((r) => (r / PAPER_RATES[0]) * lr),
  );
  if (warmup <= 0) return step;
  return (i) => (i < warmup ? lr / 10 + ((lr - lr / 10) * i) / warmup : step(i));
}
