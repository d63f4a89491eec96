// The runs of `taynode beyond`: MNIST trained with λ tuned online to NFE budgets, and the speed
// regularisers (R_K, RNODE, ERNODE, SRNODE) at a few λ on MNIST and on a flow. Every MNIST run is
// trainMnist with the MNIST experiment's settings (same weights, minibatches, schedule and NFE
// protocol), every flow run the CNF experiment's trainRow: only the regulariser differs.
import type { Runtime, TermConfig } from 'taynode';
import type { MnistSplit } from '../mnist/data.js';
import { runIterations } from '../mnist/settings.js';
import { measureSolver, trainMnist, type IterationRecord, type MnistRun } from '../mnist/run.js';
import type { DensityData } from '../cnf/data.js';
import { trainRow, type RowProgress } from '../cnf/train.js';
import type { Regulariser } from '../cnf/model.js';
import type { BeyondSettings, SpeedRegulariser } from './settings.js';

/** One point of the regulariser comparison. */
export interface RegulariserRow {
  dataset: string;
  /** 'none' (λ = 0) or a SpeedRegulariser */
  regulariser: 'none' | SpeedRegulariser;
  /** display name: R_3, R_2, RNODE, ERNODE, SRNODE, none */
  name: string;
  lambda: number;
  /** MNIST: test NFE (dopri5 at evalTol, batches of nfeBatch); flow: dopri5 NFE of the exact-trace test NLL */
  nfe: number;
  /** MNIST: test error (fraction); flow: test NLL (nats) */
  loss: number;
  lossKind: 'test error' | 'test NLL';
  /** MNIST: test cross-entropy */
  testCrossEntropy?: number;
  trainSeconds: number;
  trainCpuSeconds: number;
  /** mean NFE of the training solves, forward and backward */
  trainNfeForward: number;
  trainNfeBackward: number;
  /** where the figures come from: this run, or the MNIST experiment's sweep file */
  source: string;
  diverged?: boolean;
}

const NAMES: Record<SpeedRegulariser, (order: number) => string> = {
  rk: (k) => `R_${k}`,
  rnode: () => 'RNODE',
  ernode: () => 'ERNODE',
  srnode: () => 'SRNODE',
};
export const regulariserName = (reg: 'none' | SpeedRegulariser, order: number): string =>
  reg === 'none' ? 'none' : NAMES[reg](order);

/** The MNIST block's terms for a regulariser at λ (RNODE: both terms at λ, as Finlay et al.). */
export function mnistTerms(reg: 'none' | SpeedRegulariser, lambda: number, order: number): TermConfig[] {
  switch (reg) {
    case 'none':
      return [];
    case 'rk':
      return [{ kind: 'taylor', order, lambda }];
    case 'rnode':
      return [
        { kind: 'kinetic', lambda },
        { kind: 'jacobianFrobenius', lambda },
      ];
    case 'ernode':
      return [{ kind: 'errorEstimate', lambda }];
    case 'srnode':
      return [{ kind: 'stiffness', lambda }];
  }
}

export interface Hooks {
  onRunStart?: (label: string, iterations: number) => void;
  onIteration?: (iteration: number, payload: Record<string, string | number>) => void;
  onRunEnd?: (label: string, summary: string) => void;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

function mnistRow(run: MnistRun, reg: 'none' | SpeedRegulariser, lambda: number, order: number): RegulariserRow {
  return {
    dataset: 'mnist',
    regulariser: reg,
    name: regulariserName(reg, order),
    lambda,
    nfe: run.test.nfe,
    loss: run.test.error,
    lossKind: 'test error',
    testCrossEntropy: run.test.loss,
    trainSeconds: run.trainSeconds,
    trainCpuSeconds: run.trainCpuSeconds,
    trainNfeForward: mean(run.records.map((r) => r.nfeForward)),
    trainNfeBackward: mean(run.records.map((r) => r.nfeBackward)),
    source: 'this run',
  };
}

function runMnist(
  rt: Runtime,
  s: BeyondSettings,
  data: MnistSplit,
  label: string,
  reg: 'none' | SpeedRegulariser,
  lambda: number,
  hooks: Hooks,
  extra: Parameters<typeof trainMnist>[3] extends infer O ? Partial<O> : never = {},
): MnistRun {
  const { order, trainMethod, trainTol } = s.mnist;
  hooks.onRunStart?.(label, runIterations(s.mnist, data.trainLabels.length));
  const run = trainMnist(rt, s.mnist, data, {
    lambda,
    order,
    method: trainMethod,
    tol: trainTol,
    terms: mnistTerms(reg, lambda, order),
    ...extra,
    onIteration: (r: IterationRecord) =>
      hooks.onIteration?.(r.iteration + 1, {
        loss: r.loss.toFixed(3),
        nfeF: r.nfeForward,
        nfeB: r.nfeBackward,
        lambda: r.lambda === undefined ? '-' : r.lambda.toExponential(2),
      }),
  });
  hooks.onRunEnd?.(
    label,
    `test NFE ${run.test.nfe.toFixed(1)}, test error ${(100 * run.test.error).toFixed(2)} %, training ${run.trainCpuSeconds.toFixed(1)} s CPU (${run.trainSeconds.toFixed(1)} s wall)`,
  );
  return run;
}

/** λ = 0 and every regulariser at each of its λ on MNIST (R_K only where λ are given). */
export function mnistComparison(rt: Runtime, s: BeyondSettings, data: MnistSplit, hooks: Hooks = {}): RegulariserRow[] {
  const rows = [mnistRow(runMnist(rt, s, data, 'mnist none', 'none', 0, hooks), 'none', 0, s.mnist.order)];
  for (const reg of ['rk', 'rnode', 'ernode', 'srnode'] as const) {
    for (const lambda of s.mnistLambdas[reg])
      rows.push(
        mnistRow(
          runMnist(rt, s, data, `mnist ${regulariserName(reg, s.mnist.order)} λ=${lambda}`, reg, lambda, hooks),
          reg,
          lambda,
          s.mnist.order,
        ),
      );
  }
  return rows;
}

/** One iteration of a budget run's log: λ it trained with, the NFE measured before it (when due), the minibatch loss. */
export interface TracePoint {
  iteration: number;
  lambda: number;
  loss: number;
  nfeMeasured?: number;
}

export interface BudgetRun {
  fraction: number;
  target: number;
  /** test NFE of the trained model (the MNIST protocol), and the training-set NFE (evalTrain images) */
  reachedNfe: number;
  trainNfe: number;
  testError: number;
  testCrossEntropy: number;
  finalLambda: number;
  trainSeconds: number;
  trainCpuSeconds: number;
  trace: TracePoint[];
}

/** R_K with λ tuned online to fraction × unregNfe, per fraction. */
export function mnistBudgets(
  rt: Runtime,
  s: BeyondSettings,
  data: MnistSplit,
  unregNfe: number,
  hooks: Hooks = {},
): BudgetRun[] {
  return s.budgetFractions.map((fraction) => {
    const target = fraction * unregNfe;
    const c = s.control;
    // R_K's configured λ is 1, so the controller's lambdaScale is λ itself.
    const run = runMnist(rt, s, data, `budget ${fraction}× = ${target.toFixed(1)} NFE`, 'rk', 1, hooks, {
      lambdaControl: {
        targetNfe: target,
        solver: measureSolver('dopri5', s.mnist.evalTol),
        batch: c.batch,
        every: c.every,
        gain: c.gain,
        initialLambda: c.initialLambda,
        minLambda: c.minLambda,
        maxLambda: c.maxLambda,
        start: c.start,
        ratchet: c.ratchet,
        proportional: c.proportional,
      },
    });
    const trace = run.records.map((r) => ({
      iteration: r.iteration,
      lambda: r.lambda!,
      loss: r.loss,
      ...(r.nfeMeasured !== undefined ? { nfeMeasured: r.nfeMeasured } : {}),
    }));
    return {
      fraction,
      target,
      reachedNfe: run.test.nfe,
      trainNfe: run.train.nfe,
      testError: run.test.error,
      testCrossEntropy: run.test.loss,
      finalLambda: trace[trace.length - 1]?.lambda ?? c.initialLambda,
      trainSeconds: run.trainSeconds,
      trainCpuSeconds: run.trainCpuSeconds,
      trace,
    };
  });
}

const CNF_REG: Record<SpeedRegulariser, Regulariser> = { rk: 'r2', rnode: 'rnode', ernode: 'ernode', srnode: 'srnode' };

/** λ = 0 and every regulariser at each of its λ on the flow (R_K is R_2), dopri5 training. */
export function cnfComparison(rt: Runtime, s: BeyondSettings, data: DensityData, hooks: Hooks = {}): RegulariserRow[] {
  const one = (reg: 'none' | SpeedRegulariser, lambda: number): RegulariserRow => {
    const name = reg === 'none' ? 'none' : reg === 'rk' ? 'R_2' : regulariserName(reg, 2);
    const label = `${s.cnf.dataset} ${name}${reg === 'none' ? '' : ` λ=${lambda}`}`;
    hooks.onRunStart?.(label, s.cnf.iterations);
    const row = trainRow(rt, data, s.cnf, reg === 'none' ? 'none' : CNF_REG[reg], 'dopri5', lambda, (p: RowProgress) =>
      hooks.onIteration?.(p.iteration + 1, {
        loss: p.loss.toFixed(3),
        nfeF: p.nfeForward,
        nfeB: p.nfeBackward,
        lambda: '-',
      }),
    );
    const e = row.evals[0];
    hooks.onRunEnd?.(
      label,
      `NFE ${e.nfe}, test NLL ${e.nll.toFixed(4)}, training ${row.trainCpuSeconds.toFixed(1)} s CPU${row.diverged ? ` (diverged: ${row.failure})` : ''}`,
    );
    return {
      dataset: s.cnf.dataset,
      regulariser: reg,
      name,
      lambda: reg === 'none' ? 0 : lambda,
      nfe: e.nfe,
      loss: e.nll,
      lossKind: 'test NLL',
      trainSeconds: row.trainSeconds,
      trainCpuSeconds: row.trainCpuSeconds,
      trainNfeForward: row.trainNfeForward,
      trainNfeBackward: row.trainNfeBackward,
      source: 'this run',
      ...(row.diverged ? { diverged: true } : {}),
    };
  };
  const rows = [one('none', 0)];
  for (const reg of ['rk', 'rnode', 'ernode', 'srnode'] as const)
    for (const lambda of s.cnfLambdas[reg]) rows.push(one(reg, lambda));
  return rows;
}
