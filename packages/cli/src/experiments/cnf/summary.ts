// The JSON written to bench/results/cnf*.json and the console table: every row of Table 2 with its
// training time, the λ sweep, and the headline comparison (unregularised, RNODE and the chosen TayNODE
// run, all trained with dopri5, scored at the first evaluation tolerance).
import type { CnfSettings } from './settings.js';
import { compare, headline, type CnfOutcome } from './run.js';
import type { RowRecord } from './train.js';
import { batchRatios, meanAndSd, quantiles, type BatchEvaluation } from './evaluate.js';

/**
 * bits/dim of a mean NLL in nats over D dimensions: for the real-valued sets no dequantisation offset;
 * the digits' reported NLL already holds the logit's log-det and the 256 levels' D·ln 256 (digits.ts).
 */
export const bitsPerDim = (nll: number, dim: number): number => nll / (dim * Math.LN2);

export function rowJson(r: RowRecord, dim: number) {
  return {
    regulariser: r.regulariser,
    solver: r.solver,
    lambda: r.lambda,
    diverged: r.diverged,
    ...(r.failure ? { failure: r.failure } : {}),
    iterations_done: r.iterationsDone,
    stop_reason: r.stopReason,
    ...(r.validation.length ? { validation_nll: r.validation, kept_iteration: r.keptIteration } : {}),
    train_seconds: r.trainSeconds,
    train_cpu_seconds: r.trainCpuSeconds,
    train_loss: r.trainLoss,
    train_nfe_forward: r.trainNfeForward,
    train_nfe_backward: r.trainNfeBackward,
    eval: r.evals.map((e) => evalJson(e, dim)),
  };
}

export function evalJson(e: BatchEvaluation, dim: number) {
  const per = meanAndSd(e.nfePerExample);
  return {
    tol: e.tol,
    nll: e.nll,
    nll_se: e.nllSe,
    bits_per_dim: bitsPerDim(e.nll, dim),
    bits_per_dim_se: bitsPerDim(e.nllSe, dim),
    nfe: e.nfe,
    nfe_sd: e.nfeSd,
    nfe_batches: e.nfeBatches,
    examples: e.examples,
    batches: e.batches,
    ...(e.nfePerExample.length
      ? {
          nfe_per_example: {
            examples: e.nfePerExample.length,
            mean: per.mean,
            sd: per.sd,
            min: Math.min(...e.nfePerExample),
            max: Math.max(...e.nfePerExample),
            quartiles: quantiles(e.nfePerExample, [0.25, 0.5, 0.75]),
            values: e.nfePerExample,
          },
        }
      : {}),
    ...(e.failure ? { failure: e.failure } : {}),
  };
}

export function summaryJson(
  outcome: CnfOutcome<RowRecord>,
  s: CnfSettings,
  dim: number,
  extra: Record<string, unknown> = {},
) {
  const c = compare(outcome, s.nllBudget);
  const h = (r?: RowRecord) => (r ? headline(r) : { nll: NaN, nfe: NaN });
  const [u, g, rn] = [h(c.unreg), h(c.reg), h(c.rnode)];
  const first = (r?: RowRecord) => r?.evals[0];
  const spread = (r?: RowRecord) => ({ nfeSd: first(r)?.nfeSd ?? NaN, nllSe: first(r)?.nllSe ?? NaN });
  const [su, sg, srn] = [spread(c.unreg), spread(c.reg), spread(c.rnode)];
  const ub = first(c.unreg)?.nfeBatches ?? [],
    gb = first(c.reg)?.nfeBatches ?? [];
  const ratio = ub.length && ub.length === gb.length ? batchRatios(ub, gb) : { ratios: [], mean: NaN, sd: NaN };
  const key = (r: RowRecord) => `${r.regulariser}/${r.solver}`;
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
    nfe_unreg_sd: su.nfeSd,
    nfe_reg_sd: sg.nfeSd,
    nfe_rnode_sd: srn.nfeSd,
    nll_unreg_se: su.nllSe,
    nll_reg_se: sg.nllSe,
    nll_rnode_se: srn.nllSe,
    test_points: first(c.unreg)?.examples ?? NaN,
    test_batches: first(c.unreg)?.batches ?? NaN,
    // the ratio batch by batch (every row solves the same batches): its mean and sd, beside the ratio of the means (nfe_ratio)
    nfe_ratio_batches: ratio.ratios,
    nfe_ratio_batch_mean: ratio.mean,
    nfe_ratio_batch_sd: ratio.sd,
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
    iterations: Object.fromEntries(outcome.table.map((r) => [key(r), r.iterationsDone])),
    stop_reason: Object.fromEntries(outcome.table.map((r) => [key(r), r.stopReason])),
    train_seconds: Object.fromEntries(outcome.table.map((r) => [key(r), r.trainSeconds])),
    train_cpu_seconds: Object.fromEntries(outcome.table.map((r) => [key(r), r.trainCpuSeconds])),
    table: outcome.table.map((r) => rowJson(r, dim)),
    sweep: outcome.sweep.map((r) => rowJson(r, dim)),
    settings: { ...s },
    ...extra,
  };
}

const fmt = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : 'NaN');

/** Table 2 as text: one line per row. */
export function tableText(outcome: CnfOutcome<RowRecord>, dim: number): string {
  const tols = outcome.table[0]?.evals.map((e) => e.tol) ?? [];
  const head = [
    'training',
    'solver',
    'λ',
    'iterations',
    'stop',
    'train s',
    'CPU s',
    ...tols.flatMap((t) => [`NLL@${t} ± se`, ...(dim > 2 ? [`bits/dim@${t}`] : []), `NFE@${t} ± sd`]),
  ];
  const lines = [head.join('\t')];
  for (const r of outcome.table) {
    lines.push(
      [
        r.regulariser,
        r.solver,
        String(r.lambda),
        String(r.iterationsDone),
        r.stopReason,
        fmt(r.trainSeconds, 1),
        fmt(r.trainCpuSeconds, 1),
        ...r.evals.flatMap((e) => [
          `${fmt(e.nll)} ± ${fmt(e.nllSe)}`,
          ...(dim > 2 ? [fmt(bitsPerDim(e.nll, dim), 4)] : []),
          `${fmt(e.nfe, 1)} ± ${fmt(e.nfeSd, 1)}`,
        ]),
        r.diverged ? '(diverged)' : '',
      ].join('\t'),
    );
  }
  return lines.join('\n');
}

/** The lines under the table: the true NLL where known, and the comparison the target asks for. */
export function comparisonLines(
  outcome: CnfOutcome<RowRecord>,
  s: CnfSettings,
  dim: number,
  trueTestNll?: number,
): string[] {
  const lines: string[] = [];
  if (trueTestNll !== undefined)
    lines.push(`the test set's NLL under the true density: ${trueTestNll.toFixed(4)} nats`);
  const c = compare(outcome, s.nllBudget);
  if (!c.reg || !c.unreg) return lines;
  const [u, g] = [headline(c.unreg), headline(c.reg)];
  const unit = dim > 2 ? ` (${bitsPerDim(u.nll, dim).toFixed(4)} → ${bitsPerDim(g.nll, dim).toFixed(4)} bits/dim)` : '';
  lines.push(
    `TayNODE ${c.reg.regulariser} λ=${c.reg.lambda}: NFE ${u.nfe.toFixed(1)} → ${g.nfe.toFixed(1)} (${c.nfeRatio.toFixed(2)}× fewer), NLL ${u.nll.toFixed(4)} → ${g.nll.toFixed(4)} (${(100 * c.nllChange).toFixed(2)} %)${unit}; target (≥ 1.6× fewer NFE, ≤ ${100 * s.nllBudget} % worse NLL) ${c.targetMet ? 'met' : 'not met'}; as few NFE as RNODE at no worse NLL: ${c.atLeastAsFewAsRnode ? 'yes' : 'no'}`,
  );
  const ub = c.unreg.evals[0]?.nfeBatches ?? [],
    gb = c.reg.evals[0]?.nfeBatches ?? [];
  if (ub.length > 1 && ub.length === gb.length) {
    const b = batchRatios(ub, gb);
    lines.push(
      `NFE ratio batch by batch over ${ub.length} batches: ${b.mean.toFixed(3)} ± ${b.sd.toFixed(3)} (mean ± sd)`,
    );
  }
  return lines;
}
