// The model layer's Runge–Kutta integrator over a flat state vector, built for training:
// adaptive (embedded pair, RMS error ratio, Hairer's initial step, FSAL) or on a given grid of steps,
// recording each accepted step's start time, size and start state (the checkpoints the
// discretise-then-optimise backward pass replays). Stage `i` is evaluated with slot `i`, so a
// dynamics object can keep that stage's intermediates for a reverse pass.
import { ArgumentError, TaynodeError } from '../errors.js';
import { isAdaptive, type Tableau } from './tableaux.js';

/** dy = F(t, y); `slot` identifies the stage (intermediates may be kept per slot). */
export type FlatDynamics = (t: number, y: Float64Array, dy: Float64Array, slot: number) => void;

export interface StepRecord {
  t: number;
  h: number;
  /** state at the step's start (absent unless recording states) */
  y?: Float64Array;
}

export interface IntegrationStats {
  nfe: number;
  accepted: number;
  rejected: number;
}

export interface IntegrateOptions {
  rtol?: number;
  atol?: number;
  firstStep?: number;
  maxSteps?: number;
  /** keep each accepted step's start state (checkpoints) */
  recordStates?: boolean;
  safety?: number;
  minFactor?: number;
  maxFactor?: number;
}

export interface IntegrationResult {
  y: Float64Array;
  steps: StepRecord[];
  stats: IntegrationStats;
}

/** A numerical failure: carries t, the step number and the statistics so far. */
export class IntegrationError extends TaynodeError {
  constructor(readonly reason: string, readonly t: number, readonly step: number, readonly stats: IntegrationStats) {
    super(`integration failed at t = ${t} (step ${step}): ${reason}`);
  }
}

class Stepper {
  readonly k: Float64Array[];
  readonly stage: Float64Array;
  constructor(readonly tableau: Tableau, readonly n: number) {
    this.k = tableau.c.map(() => new Float64Array(n));
    this.stage = new Float64Array(n);
  }

  /**
   * One step from (t, y) of size h into yOut (and the error estimate into err). k[0] must already hold
   * F(t, y) when `haveFirst`. Returns evaluations made.
   */
  step(f: FlatDynamics, t: number, y: Float64Array, h: number, yOut: Float64Array, err: Float64Array | undefined, haveFirst: boolean): number {
    const { a, b, c, bErr } = this.tableau;
    const s = c.length, n = this.n, k = this.k, stage = this.stage;
    let nfe = 0;
    if (!haveFirst) { f(t, y, k[0], 0); nfe++; }
    for (let i = 1; i < s; i++) {
      const row = a[i];
      // The FSAL stage (c = 1, a row = b) is the new state itself: evaluate it there.
      stage.set(y);
      for (let j = 0; j < i; j++) {
        const w = h * row[j];
        if (w === 0) continue;
        const kj = k[j];
        for (let m = 0; m < n; m++) stage[m] += w * kj[m];
      }
      f(t + c[i] * h, stage, k[i], i);
      nfe++;
    }
    yOut.set(y);
    for (let j = 0; j < s; j++) {
      const w = h * b[j];
      if (w === 0) continue;
      const kj = k[j];
      for (let m = 0; m < n; m++) yOut[m] += w * kj[m];
    }
    if (err && bErr) {
      err.fill(0);
      for (let j = 0; j < s; j++) {
        const w = h * bErr[j];
        if (w === 0) continue;
        const kj = k[j];
        for (let m = 0; m < n; m++) err[m] += w * kj[m];
      }
    }
    return nfe;
  }
}

function rms(values: Float64Array, scale: (i: number) => number): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) { const r = values[i] / scale(i); s += r * r; }
  return Math.sqrt(s / Math.max(1, values.length));
}

/** Integrates from t0 to t1 (either direction) with an embedded pair and adaptive steps. */
export function integrateAdaptive(f: FlatDynamics, y0: Float64Array, t0: number, t1: number, tableau: Tableau, options: IntegrateOptions = {}): IntegrationResult {
  if (!isAdaptive(tableau)) throw new ArgumentError('method', 'an adaptive (embedded) method for an adaptive solve; use a step count for fixed-step methods', tableau.name);
  const rtol = options.rtol ?? 1e-6, atol = options.atol ?? 1e-6;
  if (!(rtol > 0)) throw new ArgumentError('rtol', 'a positive tolerance', rtol);
  if (!(atol > 0)) throw new ArgumentError('atol', 'a positive tolerance', atol);
  if (!Number.isFinite(t0) || !Number.isFinite(t1) || t0 === t1) throw new ArgumentError('t1', `a finite time different from t0 = ${t0}`, t1);
  const maxSteps = options.maxSteps ?? 10_000;
  const safety = options.safety ?? 0.9, minFactor = options.minFactor ?? 0.2, maxFactor = options.maxFactor ?? 10;
  const n = y0.length;
  const dir = Math.sign(t1 - t0);
  const stepper = new Stepper(tableau, n);
  const stats: IntegrationStats = { nfe: 0, accepted: 0, rejected: 0 };
  const steps: StepRecord[] = [];
  let y = y0.slice();
  let yNew = new Float64Array(n);
  const err = new Float64Array(n);
  const exponent = -1 / ((tableau.errorOrder ?? tableau.order - 1) + 1);
  const k0 = stepper.k[0];
  let t = t0;

  f(t, y, k0, 0);
  stats.nfe++;
  let h: number;
  if (options.firstStep !== undefined) {
    if (!(options.firstStep > 0)) throw new ArgumentError('firstStep', 'a positive step size', options.firstStep);
    h = options.firstStep;
  } else {
    // Hairer, Nørsett & Wanner (1993), II.4: the initial step from two evaluations.
    const scale0 = (i: number) => atol + rtol * Math.abs(y[i]);
    const d0 = rms(y, scale0), d1 = rms(k0, scale0);
    const h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1;
    const probe = y.map((v, i) => v + dir * h0 * k0[i]);
    const fProbe = new Float64Array(n);
    f(t + dir * h0, probe, fProbe, 0);
    stats.nfe++;
    const diff = fProbe.map((v, i) => v - k0[i]);
    const d2 = rms(diff, scale0) / h0;
    const dm = Math.max(d1, d2);
    const h1 = dm <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : (0.01 / dm) ** -exponent;
    h = Math.min(100 * h0, h1);
  }
  h = Math.min(h, Math.abs(t1 - t0));
  let haveFirst = true;
  while (dir * (t1 - t) > 0) {
    if (stats.accepted + stats.rejected >= maxSteps) throw new IntegrationError(`maxSteps = ${maxSteps} reached`, t, stats.accepted, { ...stats });
    const last = h >= Math.abs(t1 - t) * (1 - 1e-12);
    const hs = last ? t1 - t : dir * h;
    if (Math.abs(hs) < 1e-14 * Math.max(1, Math.abs(t))) throw new IntegrationError(`step size ${Math.abs(hs)} underflows`, t, stats.accepted, { ...stats });
    stats.nfe += stepper.step(f, t, y, hs, yNew, err, haveFirst);
    const ratio = rms(err, (i) => atol + rtol * Math.max(Math.abs(y[i]), Math.abs(yNew[i])));
    if (!Number.isFinite(ratio)) {
      stats.rejected++;
      h *= minFactor;
      haveFirst = true;
      continue;
    }
    if (ratio <= 1) {
      steps.push({ t, h: hs, y: options.recordStates ? y.slice() : undefined });
      stats.accepted++;
      t = last ? t1 : t + hs;
      const swap = y; y = yNew; yNew = swap;
      if (tableau.fsal) { k0.set(stepper.k[tableau.c.length - 1]); haveFirst = true; } else haveFirst = false;
      const factor = ratio === 0 ? maxFactor : Math.min(maxFactor, Math.max(minFactor, safety * ratio ** exponent));
      h = Math.abs(hs) * factor;
      if (!y.every(Number.isFinite)) throw new IntegrationError('the state is not finite', t, stats.accepted, { ...stats });
    } else {
      stats.rejected++;
      h = Math.abs(hs) * Math.min(1, Math.max(minFactor, safety * ratio ** exponent));
      haveFirst = true;
    }
  }
  return { y, steps, stats };
}

/** Integrates over a given sequence of steps (a uniform grid, or an adaptive solve's accepted steps). */
export function integrateOnSteps(f: FlatDynamics, y0: Float64Array, grid: readonly { t: number; h: number }[], tableau: Tableau, recordStates = false): IntegrationResult {
  const n = y0.length;
  const stepper = new Stepper(tableau, n);
  const stats: IntegrationStats = { nfe: 0, accepted: 0, rejected: 0 };
  const steps: StepRecord[] = [];
  let y = y0.slice();
  let yNew = new Float64Array(n);
  for (const { t, h } of grid) {
    steps.push({ t, h, y: recordStates ? y.slice() : undefined });
    stats.nfe += stepper.step(f, t, y, h, yNew, undefined, false);
    stats.accepted++;
    const swap = y; y = yNew; yNew = swap;
    if (!y.every(Number.isFinite)) throw new IntegrationError('the state is not finite', t + h, stats.accepted, { ...stats });
  }
  return { y, steps, stats };
}

/** `count` equal steps from t0 to t1. */
export function uniformGrid(t0: number, t1: number, count: number): { t: number; h: number }[] {
  if (!Number.isInteger(count) || count <= 0) throw new ArgumentError('steps', 'a positive integer number of steps', count);
  const h = (t1 - t0) / count;
  return Array.from({ length: count }, (_, i) => ({ t: t0 + i * h, h: i === count - 1 ? t1 - (t0 + i * h) : h }));
}

/**
 * Reverse of the recorded steps (discretise-then-optimise): given ȳ at the end, returns ȳ at the start.
 * For each step, newest first, the stages are replayed from the checkpoint (forward, slot i per stage)
 * and then reversed; `vjp(slot, k̄, ȳ)` must add (∂F/∂y)ᵀk̄ at that slot's stage to ȳ (and accumulate
 * parameter gradients). Step sizes and accept/reject decisions are held fixed. Returns evaluations made.
 */
export function backpropagateSteps(
  f: FlatDynamics,
  vjp: (slot: number, kbar: Float64Array, ybarOut: Float64Array) => void,
  steps: readonly StepRecord[],
  tableau: Tableau,
  ybarEnd: Float64Array,
): { ybar: Float64Array; nfe: number } {
  const n = ybarEnd.length;
  const { a, b, c } = tableau;
  const s = c.length;
  // Stages that influence the propagated solution: b ≠ 0 or feeding a later needed stage.
  const needed = new Array<boolean>(s).fill(false);
  for (let i = s - 1; i >= 0; i--) needed[i] = b[i] !== 0 || needed.some((nd, m) => nd && m > i && (a[m][i] ?? 0) !== 0);
  const k = Array.from({ length: s }, () => new Float64Array(n));
  const kbar = Array.from({ length: s }, () => new Float64Array(n));
  const stage = new Float64Array(n);
  const ybar = ybarEnd.slice();
  const stageBar = new Float64Array(n);
  let nfe = 0;
  for (let sIdx = steps.length - 1; sIdx >= 0; sIdx--) {
    const { t, h, y } = steps[sIdx];
    if (!y) throw new ArgumentError('steps', 'step records with states (solve with recordStates)', 'a record without y');
    for (let i = 0; i < s; i++) {
      if (!needed[i]) continue;
      stage.set(y);
      for (let j = 0; j < i; j++) {
        const w = h * a[i][j];
        if (w !== 0) { const kj = k[j]; for (let m = 0; m < n; m++) stage[m] += w * kj[m]; }
      }
      f(t + c[i] * h, stage, k[i], i);
      nfe++;
    }
    for (let i = 0; i < s; i++) {
      const w = h * b[i];
      const kb = kbar[i];
      for (let m = 0; m < n; m++) kb[m] = w * ybar[m];
    }
    for (let i = s - 1; i >= 0; i--) {
      if (!needed[i]) continue;
      stageBar.fill(0);
      vjp(i, kbar[i], stageBar);
      for (let m = 0; m < n; m++) ybar[m] += stageBar[m];
      for (let j = 0; j < i; j++) {
        const w = h * a[i][j];
        if (w !== 0) { const kb = kbar[j]; for (let m = 0; m < n; m++) kb[m] += w * stageBar[m]; }
      }
    }
  }
  return { ybar, nfe };
}
