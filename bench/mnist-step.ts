// The paper's MNIST training step as the JAX peer (jax-peer.ts) and the step profile (profile.bench.ts)
// set it up: the classifier, a fixed batch, and one objective-and-gradient evaluation on it.
import type { Runtime } from '../src/runtime/wasm.js';
import { Rng } from '../src/random.js';
import { Model, type ModelSpec, type ModelObjectiveResult } from '../src/model/model.js';
import { softmaxCrossEntropyLoss } from '../src/model/losses.js';
import type { TaylorEstimator } from '../src/terms/terms.js';

export const [PIXELS, HIDDEN, CLASSES, BATCH] = [784, 100, 10, 100];
/** The paper's λ for R_3 on MNIST. */
export const LAMBDA = 3.02e-3;
/** The tolerances the JAX comparison runs at (rtol = atol). */
export const MNIST_STEP_TOLS = [1.4e-8, 1e-5];

/**
 * The paper's classifier (the CLI's mnist model), with R_3 at λ or none: taynode's recommended training
 * configuration, gradient 'backprop' and errorNorm 'state' (the steps of z alone, as the reference's solve).
 */
export function mnistClassifier(rt: Runtime, tol: number, estimator: TaylorEstimator | null): Model {
  const spec: ModelSpec = {
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
        terms: estimator ? [{ kind: 'taylor', order: 3, lambda: LAMBDA, estimator }] : [],
        solver: { method: 'dopri5', rtol: tol, atol: tol, errorNorm: 'state', maxSteps: 20_000 },
        gradient: 'backprop',
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
  return Model.create(rt, spec, new Rng(5));
}

/** The comparison's batch: uniform pixels and labels 0…9 in turn (F64; an f32 runtime rounds them). */
export function mnistBatch(): { x: Float64Array; labels: Float64Array } {
  const rng = new Rng(21);
  const x = Float64Array.from({ length: BATCH * PIXELS }, () => rng.uniform());
  const labels = Float64Array.from({ length: BATCH }, (_, i) => i % CLASSES);
  return { x, labels };
}

/** One training step's objective and gradient (no optimiser update, as the reference's value_and_grad). */
export function mnistStep(model: Model, x: Float64Array, labels: Float64Array): () => ModelObjectiveResult {
  const rng = new Rng(9);
  return () => model.objective(x, labels, { loss: softmaxCrossEntropyLoss, rng });
}
