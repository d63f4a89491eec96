// `taynode cnf --merge`: rows trained by separate processes (one per core, say), each written as a cnf
// results JSON, read back into one outcome whose summary is derived by the same code as a single
// run's. The files must describe one experiment: the same data, model, training and evaluation
// settings; only which rows each trained (regularisers, solvers, λ) may differ.
import { TaynodeError } from 'taynode';
import { REGULARISERS, type Regulariser } from './model.js';
import type { CnfSettings } from './settings.js';
import type { CnfOutcome } from './run.js';
import type { RowRecord } from './train.js';
import type { BatchEvaluation } from './evaluate.js';
import { STOP_REASONS, type StopReason } from './stop.js';

/** One results file: where it came from (for messages and the merged JSON) and its parsed text. */
export interface CnfResultsFile {
  path: string;
  json: unknown;
}

export interface MergedCnf {
  outcome: CnfOutcome<RowRecord>;
  settings: CnfSettings;
  dim: number;
  /** the summary's further fields: nll_true and dtype where the files agree on them, and the sources */
  extra: Record<string, unknown>;
}

/** Settings that say which rows a file trained, or how its summary chose; all others must agree. */
const ROW_SETTINGS = new Set<keyof CnfSettings>([
  'regularisers',
  'solvers',
  'sweepLambdas',
  'rnodeLambda',
  'r2Lambda',
  'r3Lambda',
  'evalTols',
  'nllBudget',
]);
const LAMBDA_SETTING: Partial<Record<Regulariser, 'rnodeLambda' | 'r2Lambda' | 'r3Lambda'>> = {
  rnode: 'rnodeLambda',
  r2: 'r2Lambda',
  r3: 'r3Lambda',
};

/** Results files that cannot be merged: names the file, the field and what was expected. */
export class MergeError extends TaynodeError {}

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
// JSON writes NaN as null: a diverged row's figures come back as NaN
const num = (x: unknown): number => (x === null ? NaN : (x as number));

function expect(ok: boolean, where: string, what: string): asserts ok {
  if (!ok) throw new MergeError(`${where}: expected ${what}`);
}

function numberField(j: Json, key: string, where: string): number {
  const x = j[key];
  expect(x === null || typeof x === 'number', `${where}.${key}`, 'a number');
  return num(x);
}

function numbers(j: Json, key: string, where: string): number[] {
  const x = j[key];
  expect(Array.isArray(x) && x.every((v) => v === null || typeof v === 'number'), `${where}.${key}`, 'numbers');
  return (x as unknown[]).map(num);
}

function evalFromJson(j: unknown, where: string): BatchEvaluation {
  expect(isObject(j), where, 'an evaluation object');
  const perExample = j.nfe_per_example;
  expect(perExample === undefined || isObject(perExample), `${where}.nfe_per_example`, 'an object');
  return {
    tol: numberField(j, 'tol', where),
    nll: numberField(j, 'nll', where),
    nllSe: numberField(j, 'nll_se', where),
    nfeBatches: numbers(j, 'nfe_batches', where),
    nfe: numberField(j, 'nfe', where),
    nfeSd: numberField(j, 'nfe_sd', where),
    examples: numberField(j, 'examples', where),
    batches: numberField(j, 'batches', where),
    nfePerExample: perExample ? numbers(perExample, 'values', `${where}.nfe_per_example`) : [],
    ...(typeof j.failure === 'string' ? { failure: j.failure } : {}),
  };
}

/** A row of a results file's `table` or `sweep`, as summary.ts's rowJson wrote it. */
export function rowFromJson(j: unknown, where: string): RowRecord {
  expect(isObject(j), where, 'a row object');
  const regulariser = j.regulariser as Regulariser;
  expect(REGULARISERS.includes(regulariser), `${where}.regulariser`, `one of ${REGULARISERS.join(', ')}`);
  expect(typeof j.solver === 'string', `${where}.solver`, 'a solver name');
  expect(typeof j.diverged === 'boolean', `${where}.diverged`, 'true or false');
  const stopReason = j.stop_reason as StopReason;
  expect(STOP_REASONS.includes(stopReason), `${where}.stop_reason`, `one of ${STOP_REASONS.join(', ')}`);
  expect(Array.isArray(j.eval), `${where}.eval`, 'a list of evaluations');
  const validation = j.validation_nll ?? [];
  expect(
    Array.isArray(validation) && validation.every((v) => isObject(v) && typeof v.iteration === 'number'),
    `${where}.validation_nll`,
    'a list of { iteration, nll }',
  );
  return {
    regulariser,
    solver: j.solver as string,
    lambda: numberField(j, 'lambda', where),
    diverged: j.diverged as boolean,
    ...(typeof j.failure === 'string' ? { failure: j.failure } : {}),
    iterationsDone: numberField(j, 'iterations_done', where),
    stopReason,
    validation: (validation as Json[]).map((v) => ({ iteration: v.iteration as number, nll: num(v.nll) })),
    ...(typeof j.kept_iteration === 'number' ? { keptIteration: j.kept_iteration } : {}),
    trainSeconds: numberField(j, 'train_seconds', where),
    trainCpuSeconds: numberField(j, 'train_cpu_seconds', where),
    trainLoss: numberField(j, 'train_loss', where),
    trainNfeForward: numberField(j, 'train_nfe_forward', where),
    trainNfeBackward: numberField(j, 'train_nfe_backward', where),
    evals: (j.eval as unknown[]).map((e, i) => evalFromJson(e, `${where}.eval[${i}]`)),
  };
}

/** `row`'s evaluations in the order of `tols` (the first is the summary's headline); each must be there. */
function inTolOrder(row: RowRecord, tols: number[], where: string): RowRecord {
  const evals = tols.map((tol) => {
    const e = row.evals.find((v) => v.tol === tol);
    if (!e)
      throw new MergeError(
        `${where}: no evaluation at tol ${tol} (it has ${row.evals.map((v) => v.tol).join(', ') || 'none'})`,
      );
    return e;
  });
  return { ...row, evals };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const rowName = (r: RowRecord) => `${r.regulariser} ${r.solver} λ=${r.lambda}`;

/**
 * The files' rows as one outcome. `evalTols` orders every row's evaluations (default: the first
 * file's order); each row must hold each of them. Throws MergeError naming the file and the field
 * when the files are not one experiment, or two of them hold the same row.
 */
export function mergeCnfResults(files: CnfResultsFile[], evalTols?: number[]): MergedCnf {
  if (files.length < 2) throw new MergeError(`--merge: expected at least two results files, got ${files.length}`);
  const parsed = files.map(({ path, json }) => {
    expect(isObject(json), path, 'a cnf results object');
    expect(isObject(json.settings), `${path}: settings`, 'an object (a file written by taynode cnf)');
    expect(Array.isArray(json.table) && Array.isArray(json.sweep), `${path}: table and sweep`, 'lists of rows');
    expect(typeof json.dim === 'number', `${path}: dim`, 'a number');
    return { path, json, settings: json.settings as unknown as CnfSettings };
  });
  const first = parsed[0];
  for (const f of parsed.slice(1)) {
    const keys = new Set([...Object.keys(first.settings), ...Object.keys(f.settings)]) as Set<keyof CnfSettings>;
    for (const key of keys)
      if (!ROW_SETTINGS.has(key) && !same(first.settings[key], f.settings[key]))
        throw new MergeError(
          `${f.path}: settings.${key} is ${JSON.stringify(f.settings[key])} where ${first.path} has ${JSON.stringify(first.settings[key])}: not one experiment`,
        );
    for (const key of ['dim', 'dtype', 'nll_true'])
      if (!same(first.json[key], f.json[key]))
        throw new MergeError(
          `${f.path}: ${key} is ${JSON.stringify(f.json[key])} where ${first.path} has ${JSON.stringify(first.json[key])}`,
        );
  }
  const tols = evalTols ?? first.settings.evalTols;

  const table: RowRecord[] = [];
  const sweep: RowRecord[] = [];
  const settings: CnfSettings = { ...first.settings, solvers: [], evalTols: [...tols] };
  const lambdaFrom: Partial<Record<'rnodeLambda' | 'r2Lambda' | 'r3Lambda', string>> = {};
  for (const f of parsed) {
    const rows = (list: unknown[], part: string) =>
      list.map((r, i) => inTolOrder(rowFromJson(r, `${f.path}: ${part}[${i}]`), tols, `${f.path}: ${part}[${i}]`));
    for (const r of rows(f.json.table as unknown[], 'table')) {
      if (table.some((t) => t.regulariser === r.regulariser && t.solver === r.solver))
        throw new MergeError(`${f.path}: a second ${r.regulariser} ${r.solver} row (one per regulariser and solver)`);
      table.push(r);
      if (!settings.solvers.includes(r.solver)) settings.solvers.push(r.solver);
      const key = LAMBDA_SETTING[r.regulariser];
      if (key) {
        if (lambdaFrom[key] !== undefined && settings[key] !== r.lambda)
          throw new MergeError(`${f.path}: ${rowName(r)} where ${lambdaFrom[key]} trains λ=${settings[key]}`);
        settings[key] = r.lambda;
        lambdaFrom[key] = f.path;
      }
    }
    for (const r of rows(f.json.sweep as unknown[], 'sweep')) {
      // (a file's table row of R_2 with dopri5 is in its sweep too; rows of two files must differ)
      if (sweep.some((w) => w.lambda === r.lambda))
        throw new MergeError(`${f.path}: a second sweep row at λ=${r.lambda}`);
      sweep.push(r);
    }
  }
  // the order of a single run: by training solver (as first met), then none, rnode, r2, r3
  const rank = (r: RowRecord) =>
    settings.solvers.indexOf(r.solver) * REGULARISERS.length + REGULARISERS.indexOf(r.regulariser);
  table.sort((a, b) => rank(a) - rank(b));
  sweep.sort((a, b) => a.lambda - b.lambda);
  settings.regularisers = REGULARISERS.filter((g) => table.some((r) => r.regulariser === g));
  settings.sweepLambdas = sweep.map((r) => r.lambda);
  return {
    outcome: { table, sweep },
    settings,
    dim: first.json.dim as number,
    extra: {
      ...(first.json.nll_true !== undefined ? { nll_true: first.json.nll_true } : {}),
      ...(first.json.dtype !== undefined ? { dtype: first.json.dtype } : {}),
      merged_from: parsed.map((f) => ({
        path: f.path,
        command: f.json.command,
        date: f.json.date,
        wall_seconds: f.json.wall_seconds,
        cpu_seconds: f.json.cpu_seconds,
      })),
    },
  };
}
