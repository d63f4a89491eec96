// The paper's measurements of a trained classifier. NFE is that of the prediction alone (no regulariser
// state), counted by the solver: a set is solved in batches (1,000 images by default, one step size per
// batch, as the reference's nfe_fn) and the NFE averaged over the batches; per example, each image is
// solved on its own. Error and cross-entropy come from the same solves.
import { type Model, type SolverConfig, softmaxCrossEntropyLoss, ArgumentError } from 'taynode';
import { CLASSES, PIXELS, rows } from './data.js';
import { withMonitor } from './model.js';

export interface SetEvaluation {
  /** mean NFE per batch */
  nfe: number;
  /** the batches' NFE */
  batchNfe: number[];
  /** fraction misclassified */
  error: number;
  /** mean softmax cross-entropy */
  loss: number;
  count: number;
}

/** Index of the largest of each row's 10 logits. */
export function argmaxRows(logits: Float64Array, width = CLASSES): Int32Array {
  const n = logits.length / width;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < width; c++) if (logits[i * width + c] > logits[i * width + best]) best = c;
    out[i] = best;
  }
  return out;
}

/** Mean of −log softmax(row)[label] (max-shifted log-sum-exp). */
export function crossEntropy(logits: Float64Array, labels: ArrayLike<number>, width = CLASSES): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const row = logits.subarray(i * width, (i + 1) * width);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    let s = 0;
    for (const v of row) s += Math.exp(v - max);
    sum += max + Math.log(s) - row[labels[i]];
  }
  return sum / labels.length;
}

/** Solves `count` images (all by default) in batches of `batchSize` with `solver`: NFE, error, loss. */
export function evaluateSet(
  model: Model,
  images: Float64Array,
  labels: Float64Array,
  solver: SolverConfig,
  batchSize: number,
  count = labels.length,
): SetEvaluation {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new ArgumentError('batchSize', 'a positive integer', batchSize);
  const n = Math.min(count, labels.length);
  if (n < 1) throw new ArgumentError('count', 'at least one image', count);
  const batchNfe: number[] = [];
  let wrong = 0,
    lossSum = 0;
  for (let start = 0; start < n; start += batchSize) {
    const b = Math.min(batchSize, n - start);
    const p = model.predict(rows(images, PIXELS, start, b), { solver });
    batchNfe.push(p.blockStats[0].nfe);
    const y = labels.subarray(start, start + b);
    const guess = argmaxRows(p.output);
    for (let i = 0; i < b; i++) if (guess[i] !== y[i]) wrong++;
    lossSum += crossEntropy(p.output, y) * b;
  }
  return {
    nfe: batchNfe.reduce((a, v) => a + v, 0) / batchNfe.length,
    batchNfe,
    error: wrong / n,
    loss: lossSum / n,
    count: n,
  };
}

/** Mean NFE of the first `count` images solved one at a time. */
export function perExampleNfe(model: Model, images: Float64Array, solver: SolverConfig, count: number): number {
  const n = Math.min(count, images.length / PIXELS);
  if (n < 1) throw new ArgumentError('count', 'at least one image', count);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += model.predict(rows(images, PIXELS, i, 1), { solver }).blockStats[0].nfe;
  return sum / n;
}

/** R_K (the reference's normalisation) of any trained model on a batch, integrated with `solver`. */
export function measureRk(
  model: Model,
  images: Float64Array,
  labels: Float64Array,
  order: number,
  solver: SolverConfig,
): number {
  const probe = withMonitor(model, order, solver);
  const r = probe.objective(images, labels, { loss: softmaxCrossEntropyLoss, gradient: false });
  return r.regularizers[`r${order}`];
}

export interface ToleranceError {
  tol: number;
  /** largest |z(1) − z_ref(1)| over the batch's components */
  maxError: number;
  /** root mean square of z(1) − z_ref(1) over the batch's components */
  rmsError: number;
  nfe: number;
}

/**
 * Figure 8a: the solver's actual global error at t = 1 against its tolerance (rtol = atol = tol), the
 * batch solved jointly, against a reference solve of the same batch at `refTol`.
 */
export function solverErrors(
  model: Model,
  images: Float64Array,
  method: SolverConfig['method'],
  tols: number[],
  refTol: number,
): ToleranceError[] {
  const ref = model.predict(images, { solver: { method, rtol: refTol, atol: refTol, maxSteps: 100_000 } }).z1;
  return tols.map((tol) => {
    const p = model.predict(images, { solver: { method, rtol: tol, atol: tol, maxSteps: 100_000 } });
    let max = 0,
      sq = 0;
    for (let i = 0; i < ref.length; i++) {
      const e = Math.abs(p.z1[i] - ref[i]);
      max = Math.max(max, e);
      sq += e * e;
    }
    return { tol, maxError: max, rmsError: Math.sqrt(sq / ref.length), nfe: p.blockStats[0].nfe };
  });
}
