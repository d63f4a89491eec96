// The whole experiment: Table 2's rows (regularisers × training solvers), Fig. 5c's λ sweep of R_2
// (dopri5 training), and the comparison the target asks for, as one JSON-ready summary.
import type { Runtime, WorkerPool } from 'taynode';
import type { DensityData } from './data.js';
import type { CnfSettings } from './settings.js';
import { trainRow, trainRowOn, type RowProgress, type RowRecord, type RowResult } from './train.js';
import { runSteps, runStepsOn, type ObjectiveStep } from '../../workers.js';
import type { Regulariser } from './model.js';

export interface CnfRunHooks {
  /** called before each row with its label and after each iteration */
  onRowStart?: (label: string, row: { regulariser: Regulariser; solver: string; lambda: number }) => void;
  onIteration?: (p: RowProgress) => void;
  onRowEnd?: (row: RowResult) => void;
}

/** The rows trained (RowResult), or read back from JSON without their flows (RowRecord). */
export interface CnfOutcome<R extends RowRecord = RowResult> {
  table: R[];
  /** R_2 with dopri5 at every λ of the sweep (the table's λ included), sorted by λ */
  sweep: R[];
}

export const rowLabel = (reg: Regulariser, solver: string, lambda: number): string =>
  reg === 'none' ? `none ${solver}` : `${reg} λ=${lambda} ${solver}`;

export function lambdaOf(s: CnfSettings, reg: Regulariser): number {
  return reg === 'rnode' ? s.rnodeLambda : reg === 'r2' ? s.r2Lambda : reg === 'r3' ? s.r3Lambda : 0;
}

export function runCnf(rt: Runtime, data: DensityData, s: CnfSettings, hooks: CnfRunHooks = {}): CnfOutcome {
  return runSteps(cnfRows(rt, data, s, hooks));
}

/** runCnf with every row trained across a worker pool. */
export function runCnfOn(
  pool: WorkerPool,
  rt: Runtime,
  data: DensityData,
  s: CnfSettings,
  hooks: CnfRunHooks = {},
): Promise<CnfOutcome> {
  return runStepsOn(pool, cnfRows(rt, data, s, hooks));
}

/** The rows in order, each one a step (trained on this thread or across a pool by the driver). */
function* cnfRows(
  rt: Runtime,
  data: DensityData,
  s: CnfSettings,
  hooks: CnfRunHooks,
): Generator<ObjectiveStep<RowResult>, CnfOutcome, RowResult> {
  function* run(
    reg: Regulariser,
    solver: string,
    lambda: number,
  ): Generator<ObjectiveStep<RowResult>, RowResult, RowResult> {
    hooks.onRowStart?.(rowLabel(reg, solver, lambda), { regulariser: reg, solver, lambda });
    const row = yield {
      single: () => trainRow(rt, data, s, reg, solver, lambda, hooks.onIteration),
      pooled: (pool) => trainRowOn(pool, rt, data, s, reg, solver, lambda, hooks.onIteration),
    };
    hooks.onRowEnd?.(row);
    return row;
  }
  const table: RowResult[] = [];
  for (const solver of s.solvers)
    for (const reg of s.regularisers) table.push(yield* run(reg, solver, lambdaOf(s, reg)));
  const sweep = table.filter((r) => r.regulariser === 'r2' && r.solver === 'dopri5');
  for (const lambda of s.sweepLambdas)
    if (!sweep.some((r) => r.lambda === lambda)) sweep.push(yield* run('r2', 'dopri5', lambda));
  sweep.sort((a, b) => a.lambda - b.lambda);
  return { table, sweep };
}

/** NLL and NFE of a row at the first evaluation tolerance (FFJORD's 1e-5 by default). */
export const headline = (r: RowRecord): { nll: number; nfe: number } => ({
  nll: r.evals[0]?.nll ?? NaN,
  nfe: r.evals[0]?.nfe ?? NaN,
});

export interface CnfComparison<R extends RowRecord = RowResult> {
  unreg?: R;
  rnode?: R;
  /** the TayNODE run reported: fewest NFE among dopri5-trained R_2/R_3 runs within the NLL budget, else (or without an unregularised row) the lowest NLL */
  reg?: R;
  withinBudget: boolean;
  nfeRatio: number;
  /** (reg NLL − unreg NLL) / |unreg NLL| */
  nllChange: number;
  /** ≥ 1.6× fewer NFE than unregularised for ≤ budget worse NLL */
  targetMet: boolean;
  /** the reported TayNODE run needs no more NFE than RNODE, and its NLL is no worse than RNODE's by more than the budget */
  atLeastAsFewAsRnode: boolean;
}

export function compare<R extends RowRecord>(outcome: CnfOutcome<R>, budget: number): CnfComparison<R> {
  const adaptive = [...outcome.table, ...outcome.sweep].filter((r) => r.solver === 'dopri5');
  const unreg = adaptive.find((r) => r.regulariser === 'none');
  const rnode = adaptive.find((r) => r.regulariser === 'rnode');
  const tays = adaptive.filter(
    (r) =>
      (r.regulariser === 'r2' || r.regulariser === 'r3') &&
      Number.isFinite(headline(r).nll) &&
      Number.isFinite(headline(r).nfe),
  );
  const vsRnode = (h: { nll: number; nfe: number }) => {
    const rn = rnode ? headline(rnode) : undefined;
    return (
      rn !== undefined && Number.isFinite(rn.nfe) && h.nfe <= rn.nfe && h.nll <= rn.nll + budget * Math.abs(rn.nll)
    );
  };
  const lowestNll = (rows: R[]) => rows.reduce((a, b) => (headline(b).nll < headline(a).nll ? b : a));
  const none = { withinBudget: false, nfeRatio: NaN, nllChange: NaN, targetMet: false };
  if (!tays.length) return { unreg, rnode, ...none, atLeastAsFewAsRnode: false };
  // Rows trained apart (no unregularised row here): the TayNODE run of lowest NLL, nothing to compare
  // it with but RNODE; its model is saved all the same.
  if (!unreg) {
    const reg = lowestNll(tays);
    return { unreg, rnode, reg, ...none, atLeastAsFewAsRnode: vsRnode(headline(reg)) };
  }
  const base = headline(unreg);
  const ok = tays.filter((r) => headline(r).nll <= base.nll + budget * Math.abs(base.nll));
  const reg = ok.length
    ? ok.reduce((a, b) =>
        headline(b).nfe < headline(a).nfe || (headline(b).nfe === headline(a).nfe && headline(b).nll < headline(a).nll)
          ? b
          : a,
      )
    : lowestNll(tays);
  const h = headline(reg);
  const nfeRatio = base.nfe / h.nfe;
  const nllChange = (h.nll - base.nll) / Math.abs(base.nll);
  return {
    unreg,
    rnode,
    reg,
    withinBudget: ok.length > 0,
    nfeRatio,
    nllChange,
    targetMet: ok.length > 0 && nfeRatio >= 1.6,
    atLeastAsFewAsRnode: vsRnode(h),
  };
}
