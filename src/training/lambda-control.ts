// λ tuned online to an NFE budget (the paper's limitations section: λ is hand-tuned, and R_K relates
// to NFE predictably, its Figure 7). Every `every` iterations the current model's NFE is measured by
// one prediction solve of a fixed measurement batch with the stated solver, and an integral controller
// on log λ moves λ by gain·log(NFE / target): up when the solve costs more than the budget, down when
// less, clamped to [minLambda, maxLambda]. Two refinements, both off by default: a warm-up ratchet
// (λ does not decrease before the measured NFE has first exceeded the target: a fresh model is cheap
// for reasons unrelated to λ, so lowering λ then only regularises too little early), and a
// proportional term (log λ = integral + proportional·log(NFE / target): a quick response to NFE
// transients that does not accumulate). λ here is the objective's `lambdaScale`, the multiplier of every
// regulariser's configured λ (configure λ = 1 and it is λ itself). Deterministic: the measurement
// solve draws nothing.
import { ArgumentError } from '../errors.js';
import { checkKeys, checkInteger, checkNumber, checkBoolean } from '../config/strict.js';
import { checkSolverConfig, type SolverConfig } from '../model/solver-config.js';
import type { SolverStats } from '../ode/stats.js';

export interface LambdaControlOptions {
  /** the NFE budget of one prediction solve of the measurement batch with `solver` */
  targetNfe: number;
  /**
   * the measurement solver (method, rtol, atol; default the model's own). An f32 model measured below
   * f32's resolution (rtol ≲ 1e-7) takes steps its rounding needs, not its dynamics. `train` measures
   * the model it trains; for such tolerances train in f64, or drive a `LambdaController` with an f64
   * copy of the weights, as the CLI's experiments do.
   */
  solver?: SolverConfig;
  /** rows of the training inputs solved jointly per measurement (default 100; the first rows) */
  batch?: number;
  /** iterations between measurements (default 10) */
  every?: number;
  /** Δlog λ = gain·log(NFE / target) per measurement (default 0.5) */
  gain?: number;
  /** λ until the first update (default 1) */
  initialLambda?: number;
  /** clamps of λ (default 1e-6 and 1e3) */
  minLambda?: number;
  maxLambda?: number;
  /** the error counts as 0 (no update) while |NFE / target − 1| ≤ tolerance (default 0) */
  tolerance?: number;
  /** first iteration that may update λ (default 0) */
  start?: number;
  /** no decrease of λ until a measured NFE has first exceeded the target (default false) */
  ratchet?: boolean;
  /** log λ = integral + proportional·log(NFE / target) (default 0: integral only) */
  proportional?: number;
}

export const LAMBDA_CONTROL_KEYS = [
  'targetNfe',
  'solver',
  'batch',
  'every',
  'gain',
  'initialLambda',
  'minLambda',
  'maxLambda',
  'tolerance',
  'start',
  'ratchet',
  'proportional',
] as const;

export type ResolvedLambdaControl = Required<Omit<LambdaControlOptions, 'solver'>> & { solver?: SolverConfig };

/** Checks every key and value (names the key, e.g. `lambdaControl.gain`); returns the options with defaults. */
export function checkLambdaControl(options: unknown, name = 'lambdaControl'): ResolvedLambdaControl {
  checkKeys(options, LAMBDA_CONTROL_KEYS, name);
  const o = options as LambdaControlOptions;
  if (o.solver !== undefined) checkSolverConfig(o.solver);
  const positive = { min: 0, minExclusive: true };
  const r: ResolvedLambdaControl = {
    targetNfe: checkNumber(o.targetNfe, `${name}.targetNfe`, { min: 1 }),
    batch: checkInteger(o.batch ?? 100, `${name}.batch`, { min: 1, max: 1_000_000 }),
    every: checkInteger(o.every ?? 10, `${name}.every`, { min: 1 }),
    gain: checkNumber(o.gain ?? 0.5, `${name}.gain`, positive),
    initialLambda: checkNumber(o.initialLambda ?? 1, `${name}.initialLambda`, positive),
    minLambda: checkNumber(o.minLambda ?? 1e-6, `${name}.minLambda`, positive),
    maxLambda: checkNumber(o.maxLambda ?? 1e3, `${name}.maxLambda`, positive),
    tolerance: checkNumber(o.tolerance ?? 0, `${name}.tolerance`, { min: 0 }),
    start: checkInteger(o.start ?? 0, `${name}.start`, { min: 0 }),
    ratchet: checkBoolean(o.ratchet ?? false, `${name}.ratchet`),
    proportional: checkNumber(o.proportional ?? 0, `${name}.proportional`, { min: 0 }),
    ...(o.solver ? { solver: o.solver } : {}),
  };
  if (r.minLambda > r.maxLambda)
    throw new ArgumentError(`${name}.minLambda`, `at most maxLambda (${r.maxLambda})`, r.minLambda);
  if (r.initialLambda < r.minLambda || r.initialLambda > r.maxLambda)
    throw new ArgumentError(
      `${name}.initialLambda`,
      `within [minLambda, maxLambda] = [${r.minLambda}, ${r.maxLambda}]`,
      r.initialLambda,
    );
  return r;
}

/** What the controller measures: a NeuralOde or a Model (both predict). */
export interface ControlledModel {
  predict(x: Float64Array, options: { solver?: SolverConfig }): { stats: SolverStats | SolverStats[] };
}

/** The NFE of one prediction solve of `inputs` (summed over a Model's blocks). */
export function measureNfe(model: ControlledModel, inputs: Float64Array, solver?: SolverConfig): number {
  const { stats } = model.predict(inputs, solver ? { solver } : {});
  return Array.isArray(stats) ? stats.reduce((n, s) => n + s.nfe, 0) : stats.nfe;
}

export class LambdaController {
  readonly options: ResolvedLambdaControl;
  private logLambda: number;
  /** the integral term of log λ (log λ itself without a proportional term) */
  private integral: number;
  /** whether a measured NFE has exceeded the target yet (the ratchet lets λ decrease only then) */
  private armed: boolean;
  /** the last measured NFE (NaN before the first measurement) */
  lastNfe = NaN;

  constructor(
    options: LambdaControlOptions,
    private readonly inputs: Float64Array,
  ) {
    this.options = checkLambdaControl(options);
    this.logLambda = this.integral = Math.log(this.options.initialLambda);
    this.armed = !this.options.ratchet;
  }

  get lambda(): number {
    return Math.exp(this.logLambda);
  }

  /**
   * Updates λ for iteration `it` (`lambda`, which the caller passes as the objective's lambdaScale),
   * measuring the model's NFE first when a measurement is due; returns the NFE measured (or undefined).
   */
  beforeIteration(it: number, model: ControlledModel): number | undefined {
    const o = this.options;
    let measured: number | undefined;
    if (it >= o.start && (it - o.start) % o.every === 0) {
      measured = measureNfe(model, this.inputs, o.solver);
      this.lastNfe = measured;
      if (measured > o.targetNfe) this.armed = true;
      // Within the tolerance the error counts as 0: the integral holds, the proportional term vanishes.
      const log = Math.abs(measured / o.targetNfe - 1) > o.tolerance ? Math.log(measured / o.targetNfe) : 0;
      const error = this.armed ? log : Math.max(0, log);
      const clamp = (v: number) => Math.min(Math.log(o.maxLambda), Math.max(Math.log(o.minLambda), v));
      this.integral = clamp(this.integral + o.gain * error);
      this.logLambda = clamp(this.integral + o.proportional * error);
    }
    return measured;
  }
}
