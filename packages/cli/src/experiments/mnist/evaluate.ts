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

/** NFE of each of the first `count` images (0: all) solved on its own (batch 1: the fused prediction path). */
export function perExampleNfes(model: Model, images: Float64Array, solver: SolverConfig, count: number): Float64Array {
  if (!Number.isInteger(count) || count < 0)
    throw new ArgumentError('count', 'a non-negative integer (0: all images)', count);
  const available = images.length / PIXELS;
  const n = count === 0 ? available : Math.min(count, available);
  if (n < 1) throw new ArgumentError('images', 'at least one image', available);
  const nfes = new Float64Array(n);
  for (let i = 0; i < n; i++) nfes[i] = model.predict(rows(images, PIXELS, i, 1), { solver }).blockStats[0].nfe;
  return nfes;
}

/** Mean NFE of the first `count` images solved one at a time. */
export function perExampleNfe(model: Model, images: Float64Array, solver: SolverConfig, count: number): number {
  return summariseNfe(perExampleNfes(model, images, solver, count)).mean;
}

/** The spread of per-example NFE: one hard image costs as much as many easy ones, so the mean alone hides the tail. */
export interface NfeSummary {
  mean: number;
  /** the middle value (the mean of the two middle ones for an even count) */
  median: number;
  /** nearest rank: the smallest value at least 90 % of the images do not exceed */
  p90: number;
  count: number;
}

export function summariseNfe(nfes: ArrayLike<number>): NfeSummary {
  const n = nfes.length;
  if (n < 1) throw new ArgumentError('nfes', 'at least one value', n);
  const sorted = Float64Array.from(nfes).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const median = n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return { mean: sum / n, median, p90: sorted[Math.ceil(0.9 * n) - 1], count: n };
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
