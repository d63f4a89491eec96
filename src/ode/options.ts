// Solve options: defaults and validation. Every rejection names the option and what was expected.
import { ArgumentError, ShapeError } from '../errors.js';
import { checkKeys } from '../config/strict.js';
import { MAX_STEPS } from '../config/limits.js';
import type { Runtime } from '../runtime/wasm.js';
import { iController, piController, type PiGains, type StepSizeController } from './controller.js';
import { checkStageRecorder, type StageRecorder } from './recorder.js';
import { rmsNorm, type NormStrategy } from './norm.js';
import { OverflowError } from './errors.js';
import { emptyStats } from './stats.js';
import { isAdaptive, METHOD_NAMES, TABLEAUS, type ButcherTableau, type MethodName } from './tableaus.js';

/** The attempt budget of a solve that sets no maxSteps. */
export const DEFAULT_MAX_STEPS = 100_000;

export interface SolveOptions {
  /** default 'dopri5' */
  method?: MethodName;
  /** relative tolerance (default 1e-6) */
  rtol?: number;
  /** absolute tolerance: one number or one per state component (rows·cols) (default 1e-8) */
  atol?: number | ArrayLike<number>;
  /** magnitude of the first step; default: Hairer's heuristic (its probe evaluation counts in nfe) */
  firstStep?: number;
  /** most step attempts, accepted and rejected (default 100000) */
  maxSteps?: number;
  /** smallest step magnitude allowed before a StepSizeError (default 0: only floating-point underflow) */
  minStep?: number;
  /** largest step magnitude (default Infinity) */
  maxStep?: number;
  /** 'I' (default), 'PI', or any StepSizeController */
  controller?: 'I' | 'PI' | StepSizeController;
  /** controller factors for the built-in controllers */
  safety?: number;
  minFactor?: number;
  maxFactor?: number;
  /** PI gains (controller 'PI') */
  pi?: Pick<PiGains, 'alpha' | 'beta'>;
  /** fixed-step mode: one step of this magnitude after another (the last one shortened to end on ts's last time) */
  stepSize?: number;
  /** fixed-step mode: step exactly between these times (strictly monotone, from ts[0] to ts's last time) */
  grid?: ArrayLike<number>;
  /**
   * only the first n state components enter the error ratio and the initial-step norm (default: all
   * rows·cols). For states that carry quantities nothing feeds back on (integrated regularisers): the
   * steps are then those a solve without them would take. Components past n are still checked for
   * non-finite values.
   */
  errorComponents?: number;
  /**
   * the error norm (norm.ts): built once per solve from its tolerances and sizes; default rmsNorm, the
   * weighted RMS over the errorComponents. A pool's shared steps pass one combining every shard's part.
   */
  norm?: NormStrategy;
  /** keep each accepted step's (t, h, start state) in the result (default false) */
  recordSteps?: boolean;
  /** kernel instance to run on (default: the shared runtime()) */
  runtime?: Runtime;
  /** told of every evaluation's stage and of each attempt's fate; f's arena allocations in stage calls are kept (recorder.ts) */
  recorder?: StageRecorder;
}

export const SOLVE_OPTION_KEYS = [
  'method',
  'rtol',
  'atol',
  'firstStep',
  'maxSteps',
  'minStep',
  'maxStep',
  'controller',
  'safety',
  'minFactor',
  'maxFactor',
  'pi',
  'stepSize',
  'grid',
  'errorComponents',
  'norm',
  'recordSteps',
  'runtime',
  'recorder',
] as const;

export interface ResolvedOptions {
  method: MethodName;
  tableau: ButcherTableau;
  rtol: number;
  atol: number;
  atolVector: Float64Array | null;
  firstStep: number | null;
  maxSteps: number;
  minStep: number;
  maxStep: number;
  controller: StepSizeController;
  /** step boundaries in fixed-step mode, else null (adaptive) */
  grid: Float64Array | null;
  /** the leading state components the error norm runs over */
  errorComponents: number;
  norm: NormStrategy;
  recordSteps: boolean;
  recorder: StageRecorder | null;
}

export function resolveOptions(options: SolveOptions, size: number, ts: Float64Array): ResolvedOptions {
  checkKeys(options, SOLVE_OPTION_KEYS, '');
  const method = options.method ?? 'dopri5';
  if (!Object.hasOwn(TABLEAUS, method)) {
    throw new ArgumentError('method', `one of ${METHOD_NAMES.join(', ')}`, method);
  }
  const tableau = TABLEAUS[method];

  const rtol = options.rtol ?? 1e-6;
  if (!(rtol > 0 && Number.isFinite(rtol))) throw new ArgumentError('rtol', 'a finite number > 0', rtol);
  let atol = 1e-8;
  let atolVector: Float64Array | null = null;
  if (typeof options.atol === 'number') {
    atol = options.atol;
    if (!(atol > 0 && Number.isFinite(atol))) throw new ArgumentError('atol', 'a finite number > 0', atol);
  } else if (options.atol !== undefined) {
    const values = options.atol;
    if (typeof values !== 'object' || values === null || typeof values.length !== 'number') {
      throw new ArgumentError('atol', `a number or ${size} numbers`, values);
    }
    if (values.length !== size)
      throw new ShapeError(`atol: expected one value per state component (${size}), got ${values.length}`);
    atolVector = Float64Array.from(values);
    atolVector.forEach((v, i) => {
      if (!(v > 0 && Number.isFinite(v))) throw new ArgumentError(`atol[${i}]`, 'a finite number > 0', v);
    });
  }

  const firstStep = options.firstStep ?? null;
  if (firstStep !== null && !(firstStep > 0 && Number.isFinite(firstStep))) {
    throw new ArgumentError('firstStep', 'a finite step magnitude > 0', firstStep);
  }
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  if (!(Number.isInteger(maxSteps) && maxSteps >= 1))
    throw new ArgumentError('maxSteps', 'a positive integer', maxSteps);
  const minStep = options.minStep ?? 0;
  if (!(minStep >= 0 && Number.isFinite(minStep))) throw new ArgumentError('minStep', 'a finite number ≥ 0', minStep);
  const maxStep = options.maxStep ?? Infinity;
  if (!(maxStep > minStep)) throw new ArgumentError('maxStep', `a number > minStep (${minStep})`, maxStep);

  const controller = resolveController(options);
  checkSpan(ts);
  const grid = resolveGrid(options, ts, maxSteps);
  if (grid === null && !isAdaptive(tableau)) {
    throw new ArgumentError('stepSize', `a step size (or a grid) for the fixed-step method "${method}"`);
  }
  const errorComponents = options.errorComponents ?? size;
  if (!(Number.isInteger(errorComponents) && errorComponents >= 1 && errorComponents <= size)) {
    throw new ArgumentError('errorComponents', `an integer in [1, ${size}] (the state size)`, errorComponents);
  }
  if (options.recorder !== undefined && !checkStageRecorder(options.recorder)) {
    throw new ArgumentError(
      'recorder',
      'an object with evaluation(stage), accepted(t, h) and rejected()',
      options.recorder,
    );
  }
  if (options.recordSteps !== undefined && typeof options.recordSteps !== 'boolean') {
    throw new ArgumentError('recordSteps', 'a boolean', options.recordSteps);
  }
  return {
    method,
    tableau,
    rtol,
    atol,
    atolVector,
    firstStep,
    maxSteps,
    minStep,
    maxStep,
    controller,
    grid,
    errorComponents,
    norm: resolveNorm(options.norm),
    recordSteps: options.recordSteps ?? false,
    recorder: options.recorder ?? null,
  };
}

function resolveNorm(norm: SolveOptions['norm']): NormStrategy {
  if (norm === undefined) return rmsNorm;
  if (typeof norm !== 'function')
    throw new ArgumentError('norm', 'a norm strategy: (setup) => (v, y0, y1) => number (src/ode/norm.ts)', norm);
  return norm;
}

function resolveController(options: SolveOptions): StepSizeController {
  const c = options.controller ?? 'I';
  // Settings the chosen controller would not read are refused rather than silently ignored.
  if (options.pi !== undefined && c !== 'PI') throw new ArgumentError('pi', "only with controller 'PI'", options.pi);
  if (options.pi !== undefined) checkKeys(options.pi, ['alpha', 'beta'], 'pi');
  const factors = { safety: options.safety, minFactor: options.minFactor, maxFactor: options.maxFactor };
  if (c === 'I') return iController(factors);
  if (c === 'PI') return piController({ ...factors, ...options.pi });
  if (typeof c === 'object' && c !== null && typeof c.start === 'function') {
    for (const [name, value] of Object.entries(factors)) {
      if (value !== undefined) throw new ArgumentError(name, "only with the built-in controllers 'I' and 'PI'", value);
    }
    return c;
  }
  throw new ArgumentError('controller', "'I', 'PI' or an object with start(q)", c);
}

/** Finite times whose difference is not (a step from one to the other could never be sized). */
function checkSpan(ts: Float64Array): void {
  const t0 = ts[0],
    tEnd = ts[ts.length - 1];
  if (Number.isFinite(tEnd - t0)) return;
  throw new OverflowError(
    'span',
    `the span t1 − t0 = ${tEnd} − ${t0} overflows float64 (beyond ${Number.MAX_VALUE}): shift or rescale the times`,
    t0,
    0,
    emptyStats(),
  );
}

function resolveGrid(options: SolveOptions, ts: Float64Array, maxSteps: number): Float64Array | null {
  const t0 = ts[0];
  const tEnd = ts[ts.length - 1];
  const direction = Math.sign(tEnd - t0);
  if (options.stepSize !== undefined && options.grid !== undefined) {
    throw new ArgumentError('stepSize', 'either stepSize or grid, not both');
  }
  if (options.stepSize !== undefined) {
    const h = options.stepSize;
    if (!(h > 0 && Number.isFinite(h))) throw new ArgumentError('stepSize', 'a finite step magnitude > 0', h);
    const span = Math.abs(tEnd - t0);
    const ratio = span / h;
    // A span that is a whole number of steps up to rounding gets exactly that many.
    const count = Math.max(
      1,
      Math.abs(ratio - Math.round(ratio)) < 1e-9 * Math.max(1, ratio) ? Math.round(ratio) : Math.ceil(ratio),
    );
    if (ts.length === 1) return Float64Array.of(t0);
    // More steps than maxSteps allows cannot finish: lay out one past the limit (the solve stops there
    // with MaxStepsError) rather than an array of the full, possibly huge, count.
    const laid = Math.min(count, maxSteps + 1);
    // The grid is laid out before the first step: bound it like every other step count.
    if (laid > MAX_STEPS)
      throw new ArgumentError(
        'stepSize',
        `a step of at least span / ${MAX_STEPS} (${span / MAX_STEPS}), or a smaller maxSteps: at most ${MAX_STEPS} steps are laid out`,
        h,
      );
    const grid = new Float64Array(laid + 1);
    for (let i = 0; i <= laid; i++) grid[i] = t0 + direction * i * h;
    if (laid === count) grid[count] = tEnd;
    return grid;
  }
  if (options.grid !== undefined) {
    const given = options.grid;
    if (typeof given !== 'object' || given === null || !Number.isSafeInteger(given.length) || given.length < 0) {
      throw new ArgumentError('grid', 'an array of times', given);
    }
    // Checked before the copy: a huge length would otherwise be an untyped RangeError (or gigabytes).
    if (given.length > MAX_STEPS + 1)
      throw new ArgumentError('grid', `at most ${MAX_STEPS + 1} times (${MAX_STEPS} steps)`, `${given.length} times`);
    const grid = Float64Array.from(given);
    if (grid.length < 2 && ts.length > 1) throw new ArgumentError('grid', 'at least two times');
    if (grid[0] !== t0 || grid[grid.length - 1] !== tEnd) {
      throw new ArgumentError(
        'grid',
        `times from ts[0] = ${t0} to ts[${ts.length - 1}] = ${tEnd}`,
        `[${grid[0]} … ${grid[grid.length - 1]}]`,
      );
    }
    for (let i = 1; i < grid.length; i++) {
      if (!Number.isFinite(grid[i]) || Math.sign(grid[i] - grid[i - 1]) !== direction) {
        throw new ArgumentError(
          'grid',
          `finite times strictly ${direction > 0 ? 'increasing' : 'decreasing'} like ts (grid[${i}] = ${grid[i]} after ${grid[i - 1]})`,
        );
      }
    }
    return grid;
  }
  return null;
}

/** ts: finite and strictly monotone (increasing or decreasing); a single time is allowed. */
export function readTimes(ts: ArrayLike<number>): Float64Array {
  if (ts === null || typeof ts !== 'object' || typeof ts.length !== 'number' || ts.length < 1) {
    throw new ArgumentError('ts', 'a non-empty array of times', ts);
  }
  const out = Float64Array.from(ts);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) throw new ArgumentError('ts', `finite times (ts[${i}] is ${out[i]})`);
  }
  if (out.length > 1) {
    const direction = Math.sign(out[1] - out[0]);
    for (let i = 1; i < out.length; i++) {
      if (direction === 0 || Math.sign(out[i] - out[i - 1]) !== direction) {
        throw new ArgumentError('ts', `strictly monotone times (ts[${i - 1}] = ${out[i - 1]}, ts[${i}] = ${out[i]})`);
      }
    }
  }
  return out;
}
