// The JSON written to bench/results/cnf*.json and the console table: every row of Table 2 with its
// training time, the λ sweep, and the headline comparison (unregularised, RNODE and the chosen TayNODE
// run, all trained with dopri5, scored at the first evaluation tolerance).
import type { CnfSettings } from './settings.js';
import { compare, headline, type CnfOutcome } from './run.js';
import type { RowResult } from './train.js';

/** bits/dim of a mean NLL in nats over D continuous dimensions (no dequantisation offset: the data are real-valued). */
export const bitsPerDim = (nll: number, dim: number): number => nll / (dim * Math.LN2);

export function rowJson(r: RowResult, dim: number) {
  return {
    regulariser: r.regulariser,
    solver: r.solver,
    lambda: r.lambda,
    diverged: r.diverged,
    ...(r.failure ? { failure: r.failure } : {}),
    iterations_done: r.iterationsDone,
    train_seconds: r.trainSeconds,
    train_cpu_seconds: r.trainCpuSeconds,
    train_loss: r.trainLoss,
    train_nfe_forward: r.trainNfeForward,
    train_nfe_backward: r.trainNfeBackward,
    eval: r.evals.map((e) => ({
      tol: e.tol,
      nll: e.nll,
      bits_per_dim: bitsPerDim(e.nll, dim),
      nfe: e.nfe,
      examples: e.examples,
      ...(e.failure ? { failure: e.failure } : {}),
    })),
  };
}

export function summaryJson(outcome: CnfOutcome, s: CnfSettings, dim: number, extra: Record<string, unknown> = {}) {
  const c = compare(outcome, s.nllBudget);
  const h = (r?: RowResult) => (r ? headline(r) : { nll: NaN, nfe: NaN });
  const [u, g, rn] = [h(c.unreg), h(c.reg), h(c.rnode)];
  const order = c.reg?.regulariser === 'r3' ? 3 : 2;
  return {
    dataset: s.dataset,
    dim,
    eval_tol: s.evalTols[0],
    nfe_unreg: u.nfe,
    nfe_reg: g.nfe,
    nfe_rnode: rn.nfe,
    nll_unreg: u.nll,
    nll_reg: g.nll,
    nll_rnode: rn.nll,
    ...(dim > 2
      ? {
          bits_per_dim_unreg: bitsPerDim(u.nll, dim),
          bits_per_dim_reg: bitsPerDim(g.nll, dim),
          bits_per_dim_rnode: bitsPerDim(rn.nll, dim),
        }
      : {}),
    lambda: c.reg?.lambda ?? NaN,
    order,
    nfe_ratio: c.nfeRatio,
    nll_change: c.nllChange,
    chosen_within_nll_budget: c.withinBudget,
    target_met: c.targetMet,
    at_least_as_few_as_rnode: c.atLeastAsFewAsRnode,
    train_seconds: Object.fromEntries(outcome.table.map((r) => [`${r.regulariser}/${r.solver}`, r.trainSeconds])),
    train_cpu_seconds: Object.fromEntries(
      outcome.table.map((r) => [`${r.regulariser}/${r.solver}`, r.trainCpuSeconds]),
    ),
    table: outcome.table.map((r) => rowJson(r, dim)),
    sweep: outcome.sweep.map((r) => rowJson(r, dim)),
    settings: { ...s },
    ...extra,
  };
}

const fmt = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : 'NaN');

/** Table 2 as text: one line per row. */
export function tableText(outcome: CnfOutcome, dim: number): string {
  const tols = outcome.table[0]?.evals.map((e) => e.tol) ?? [];
  const head = [
    'training',
    'solver',
    'λ',
    'train s',
    'CPU s',
    ...tols.flatMap((t) => [`NLL@${t}`, ...(dim > 2 ? [`bits/dim@${t}`] : []), `NFE@${t}`]),
  ];
  const lines = [head.join('\t')];
  for (const r of outcome.table) {
    lines.push(
      [
        r.regulariser,
        r.solver,
        String(r.lambda),
        fmt(r.trainSeconds, 1),
        fmt(r.trainCpuSeconds, 1),
        ...r.evals.flatMap((e) => [fmt(e.nll), ...(dim > 2 ? [fmt(bitsPerDim(e.nll, dim))] : []), fmt(e.nfe, 0)]),
        r.diverged ? '(diverged)' : '',
      ].join('\t'),
    );
  }
  return lines.join('\n');
}
