// The budgets against the MNIST experiment's fixed-λ sweep, and the results file. The sweep is read
// from bench/results/mnist.json (not re-run): its runs used the same code path (trainMnist) and, when
// `settingsMatch`, the same settings, so its (NFE, test error) points are what fixed λ gives here.
import { existsSync, readFileSync } from 'node:fs';
import type { MnistSettings } from '../mnist/settings.js';
import type { BudgetRun, RegulariserRow } from './run.js';

export interface SweepPoint {
  lambda: number;
  nfe: number;
  testError: number;
  trainCpuSeconds: number;
  trainSeconds: number;
}

export interface Sweep {
  path: string;
  points: SweepPoint[];
  /** the MNIST settings that decide NFE and error, compared with this run's */
  settingsMatch: boolean;
  mismatched: string[];
}

const SAME_KEYS: (keyof MnistSettings)[] = [
  'digits',
  'testFraction',
  'iterations',
  'epochs',
  'batchSize',
  'lr',
  'momentum',
  'warmup',
  'order',
  'estimator',
  'trainMethod',
  'trainTol',
  'evalTol',
  'nfeBatch',
  'seed',
];

interface SweepFile {
  sweep?: { lambda: number; nfe_test: number; test_error: number; train_cpu_seconds: number; train_seconds: number }[];
  settings?: Partial<MnistSettings>;
  /** a run over several seeds (`taynode mnist --seeds N`): one sweep per seed */
  per_seed?: SweepFile[];
}

/**
 * The sweep of an MNIST results file (null when the file is absent); of a several-seed file, the sweep
 * of this run's seed (same split, same initial weights), or an empty sweep if it has none.
 */
export function readSweep(path: string, s: MnistSettings): Sweep | null {
  if (!existsSync(path)) return null;
  const file = JSON.parse(readFileSync(path, 'utf8')) as SweepFile;
  const json = file.per_seed ? (file.per_seed.find((r) => r.settings?.seed === s.seed) ?? {}) : file;
  const mismatched = SAME_KEYS.filter((k) => JSON.stringify(json.settings?.[k]) !== JSON.stringify(s[k])).map(String);
  const points = (json.sweep ?? []).map((r) => ({
    lambda: r.lambda,
    nfe: r.nfe_test,
    testError: r.test_error,
    trainCpuSeconds: r.train_cpu_seconds,
    trainSeconds: r.train_seconds,
  }));
  return { path, points, settingsMatch: mismatched.length === 0, mismatched };
}

/** The sweep's test error at `nfe`: linear between the two runs around it, the nearest run's outside. */
export function sweepErrorAt(points: readonly SweepPoint[], nfe: number): number {
  const sorted = [...points].sort((a, b) => a.nfe - b.nfe || a.testError - b.testError);
  if (sorted.length === 0) return NaN;
  if (nfe <= sorted[0].nfe) return sorted[0].testError;
  if (nfe >= sorted[sorted.length - 1].nfe) return sorted[sorted.length - 1].testError;
  const i = sorted.findIndex((p) => p.nfe >= nfe);
  const lo = sorted[i - 1],
    hi = sorted[i];
  return hi.nfe === lo.nfe
    ? Math.min(lo.testError, hi.testError)
    : lo.testError + ((hi.testError - lo.testError) * (nfe - lo.nfe)) / (hi.nfe - lo.nfe);
}

/** The lowest test error among sweep runs whose NFE is at most `nfe` × (1 + slack) (null if none). */
export function bestSweepRunWithin(points: readonly SweepPoint[], nfe: number, slack: number): SweepPoint | null {
  const ok = points.filter((p) => p.nfe <= nfe * (1 + slack));
  return ok.length ? ok.reduce((a, b) => (b.testError < a.testError ? b : a)) : null;
}

export interface BudgetSummary {
  fraction: number;
  target: number;
  reached_nfe: number;
  train_nfe: number;
  /** reached / target − 1 */
  relative_miss: number;
  within_tolerance: boolean;
  test_error: number;
  /** the fixed-λ sweep's test error interpolated at reached_nfe */
  sweep_error_at_nfe: number;
  /** the best sweep run at most `tolerance` above reached_nfe */
  best_sweep_run: { lambda: number; nfe: number; test_error: number } | null;
  error_vs_sweep_pp: number;
  error_target_met: boolean;
  target_met: boolean;
  final_lambda: number;
  train_seconds: number;
  train_cpu_seconds: number;
  /** per iteration: λ, minibatch loss and (every `every` iterations) the measured NFE */
  trace: { iteration: number; lambda: number; loss: number; nfeMeasured?: number }[];
}

export function summariseBudgets(
  runs: readonly BudgetRun[],
  sweep: Sweep | null,
  tolerance: number,
  marginPp: number,
): BudgetSummary[] {
  return runs.map((r) => {
    const miss = r.reachedNfe / r.target - 1;
    const at = sweep ? sweepErrorAt(sweep.points, r.reachedNfe) : NaN;
    const best = sweep ? bestSweepRunWithin(sweep.points, r.reachedNfe, tolerance) : null;
    const pp = 100 * (r.testError - at);
    const withinTolerance = Math.abs(miss) <= tolerance + 1e-12;
    const errorMet = Number.isFinite(pp) && pp <= marginPp + 1e-9;
    return {
      fraction: r.fraction,
      target: r.target,
      reached_nfe: r.reachedNfe,
      train_nfe: r.trainNfe,
      relative_miss: miss,
      within_tolerance: withinTolerance,
      test_error: r.testError,
      sweep_error_at_nfe: at,
      best_sweep_run: best && { lambda: best.lambda, nfe: best.nfe, test_error: best.testError },
      error_vs_sweep_pp: pp,
      error_target_met: errorMet,
      target_met: withinTolerance && errorMet,
      final_lambda: r.finalLambda,
      train_seconds: r.trainSeconds,
      train_cpu_seconds: r.trainCpuSeconds,
      trace: r.trace,
    };
  });
}

/** The sweep's R_K runs as comparison rows (source: the sweep file), when its settings match. */
export function sweepRows(sweep: Sweep, order: number): RegulariserRow[] {
  return sweep.points
    .filter((p) => p.lambda > 0)
    .map((p) => ({
      dataset: 'mnist',
      regulariser: 'rk' as const,
      name: `R_${order}`,
      lambda: p.lambda,
      nfe: p.nfe,
      loss: p.testError,
      lossKind: 'test error' as const,
      trainSeconds: p.trainSeconds,
      trainCpuSeconds: p.trainCpuSeconds,
      trainNfeForward: NaN,
      trainNfeBackward: NaN,
      source: sweep.path,
    }));
}

/** A results file's rows in snake_case. */
export function regulariserJson(r: RegulariserRow) {
  return {
    dataset: r.dataset,
    regulariser: r.regulariser,
    name: r.name,
    lambda: r.lambda,
    nfe: r.nfe,
    loss: r.loss,
    loss_kind: r.lossKind,
    ...(r.testCrossEntropy !== undefined ? { test_cross_entropy: r.testCrossEntropy } : {}),
    train_time_s: r.trainSeconds,
    train_cpu_s: r.trainCpuSeconds,
    train_nfe_forward: r.trainNfeForward,
    train_nfe_backward: r.trainNfeBackward,
    source: r.source,
    ...(r.diverged ? { diverged: true } : {}),
  };
}
