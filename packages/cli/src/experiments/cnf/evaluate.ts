// The robust evaluation of a trained flow: the test set solved as fresh batches (1,000 points each by
// default) with dopri5 and the exact trace at each tolerance. One solve per batch gives both figures:
// the batch's NFE (one step size for the batch, as FFJORD evaluates) and its points' exact NLL, so the
// NLL is the mean over every test point with its standard error, and the NFE the mean ± sd over the
// batches. A sample of points is also solved one at a time: the per-example NFE distribution.
import { ArgumentError, type NeuralOde } from 'taynode';
import { evaluateDensity } from './model.js';

/** Mean and standard error (sample sd / √n) of values; NaN figures when any value is not finite. */
export function meanAndSe(values: ArrayLike<number>): { mean: number; se: number } {
  const { mean, sd } = meanAndSd(values);
  return { mean, se: values.length > 1 ? sd / Math.sqrt(values.length) : NaN };
}

/** Mean and sample standard deviation (n − 1); sd is NaN for fewer than two values. */
export function meanAndSd(values: ArrayLike<number>): { mean: number; sd: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, sd: NaN };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (values[i] - mean) ** 2;
  return { mean, sd: n > 1 ? Math.sqrt(sq / (n - 1)) : NaN };
}

export interface BatchEvaluation {
  tol: number;
  /** mean −log p over every point of every batch (the experiment's reported NLL: pixel space for the digits) */
  nll: number;
  nllSe: number;
  /** dopri5 NFE per batch, and their mean and sd */
  nfeBatches: number[];
  nfe: number;
  nfeSd: number;
  /** test points solved (batches × batch size) and batches */
  examples: number;
  batches: number;
  /** NFE of single-point solves of the first points, each alone: the per-example distribution */
  nfePerExample: number[];
  failure?: string;
}

export interface BatchEvaluationOptions {
  tol: number;
  batchSize: number;
  /** points of the test set solved one by one for the per-example NFE (0: none) */
  perExample: number;
  /** the experiment's NLL per example from the flow's (digits.ts's pixel-space NLL) */
  reportedNll?: (flowNll: Float64Array, points: Float64Array) => Float64Array;
  maxSteps?: number;
}

/** The test set [n, D] in consecutive batches of `batchSize` (the last may be shorter), each solved once. */
export function evaluateBatches(flow: NeuralOde, test: Float64Array, o: BatchEvaluationOptions): BatchEvaluation {
  const dim = flow.stateSize,
    n = test.length / dim;
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1)
    throw new ArgumentError('batchSize', 'a positive integer', o.batchSize);
  if (!Number.isInteger(o.perExample) || o.perExample < 0)
    throw new ArgumentError('perExample', 'a non-negative integer', o.perExample);
  const nll = new Float64Array(n),
    nfeBatches: number[] = [];
  let failure: string | undefined;
  for (let start = 0; start < n; start += o.batchSize) {
    const x = test.subarray(start * dim, Math.min(n, start + o.batchSize) * dim);
    const e = evaluateDensity(flow, x, o.tol, { maxSteps: o.maxSteps });
    nll.set(o.reportedNll ? o.reportedNll(e.perExample, x) : e.perExample, start);
    nfeBatches.push(e.nfe);
    failure ??= e.failure;
  }
  const nfePerExample: number[] = [];
  for (let i = 0; i < Math.min(o.perExample, n); i++)
    nfePerExample.push(
      evaluateDensity(flow, test.subarray(i * dim, (i + 1) * dim), o.tol, { maxSteps: o.maxSteps }).nfe,
    );
  const l = meanAndSe(nll),
    f = meanAndSd(nfeBatches);
  return {
    tol: o.tol,
    nll: Number.isFinite(l.mean) ? l.mean : NaN,
    nllSe: l.se,
    nfeBatches,
    nfe: f.mean,
    nfeSd: f.sd,
    examples: n,
    batches: nfeBatches.length,
    nfePerExample,
    ...(failure ? { failure } : {}),
  };
}

/** The unregularised-to-regularised NFE ratio batch by batch (the same batches), its mean and sd. */
export function batchRatios(
  unreg: readonly number[],
  reg: readonly number[],
): { ratios: number[]; mean: number; sd: number } {
  if (unreg.length !== reg.length)
    throw new ArgumentError('reg', `NFE of the same ${unreg.length} batches`, reg.length);
  const ratios = unreg.map((u, i) => u / reg[i]);
  return { ratios, ...meanAndSd(ratios) };
}

/** Quantiles (linear interpolation) of values, for the per-example NFE distribution. */
export function quantiles(values: readonly number[], ps: readonly number[]): number[] {
  const s = [...values].sort((a, b) => a - b);
  return ps.map((p) => {
    if (!s.length) return NaN;
    const at = p * (s.length - 1),
      lo = Math.floor(at),
      hi = Math.ceil(at);
    return s[lo] + (s[hi] - s[lo]) * (at - lo);
  });
}
