// Step-size controllers, swappable as in diffrax: the driver asks a per-solve `ControllerRun` whether
// an attempted step is accepted and what |h| to try next, given the error ratio (≤ 1 means within
// tolerance). q = the lower order of the embedded pair, so the local error scales as h^(q+1).
import { ArgumentError } from '../errors.js';
import { checkKeys } from '../config/strict.js';

export interface ControllerDecision {
  accept: boolean;
  /** next step magnitude to attempt (positive) */
  next: number;
}

export interface ControllerRun {
  /** Decides on an attempted step of magnitude h with the given error ratio (NaN/Inf: non-finite trial). */
  adapt(h: number, ratio: number): ControllerDecision;
}

export interface StepSizeController {
  readonly name: string;
  /** Fresh state for one solve of a method whose error estimate has order q. */
  start(q: number): ControllerRun;
}

export interface ControllerFactors {
  /** multiplies every proposed factor (default 0.9) */
  safety?: number;
  /** smallest factor h may shrink by in one step, also used after a non-finite trial (default 0.2) */
  minFactor?: number;
  /** largest factor h may grow by in one step (default 10) */
  maxFactor?: number;
}

const FACTOR_KEYS = ['safety', 'minFactor', 'maxFactor'];

export interface PiGains extends ControllerFactors {
  /** exponent on the current ratio, as a multiple of 1/(q+1) (default 0.7) */
  alpha?: number;
  /** exponent on the previous accepted ratio, as a multiple of 1/(q+1) (default 0.4) */
  beta?: number;
}

function resolveFactors(f: ControllerFactors, allowed: readonly string[] = FACTOR_KEYS): Required<ControllerFactors> {
  checkKeys(f, allowed, '');
  const safety = f.safety ?? 0.9;
  const minFactor = f.minFactor ?? 0.2;
  const maxFactor = f.maxFactor ?? 10;
  if (!(safety > 0 && safety <= 1)) throw new ArgumentError('safety', 'a number in (0, 1]', safety);
  if (!(minFactor > 0 && minFactor < 1)) throw new ArgumentError('minFactor', 'a number in (0, 1)', minFactor);
  if (!(maxFactor > 1 && Number.isFinite(maxFactor)))
    throw new ArgumentError('maxFactor', 'a finite number > 1', maxFactor);
  return { safety, minFactor, maxFactor };
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * The rules every built-in controller shares: a non-finite trial shrinks h by minFactor; a rejected one
 * by the integral rule safety·ratio^(−1/(q+1)) (never growing); the step accepted right after a
 * rejection may not grow. `acceptedFactor` proposes the factor for an accepted ratio (≤ 1).
 */
function controllerRun(
  factors: Required<ControllerFactors>,
  q: number,
  acceptedFactor: (ratio: number) => number,
): ControllerRun {
  const { safety, minFactor, maxFactor } = factors;
  const exponent = 1 / (q + 1);
  let justRejected = false;
  return {
    adapt(h, ratio) {
      if (!Number.isFinite(ratio)) {
        justRejected = true;
        return { accept: false, next: h * minFactor };
      }
      if (ratio <= 1) {
        const factor = clamp(acceptedFactor(ratio), minFactor, justRejected ? 1 : maxFactor);
        justRejected = false;
        return { accept: true, next: h * factor };
      }
      justRejected = true;
      return { accept: false, next: h * clamp(safety * ratio ** -exponent, minFactor, 1) };
    },
  };
}

/**
 * Integral controller: factor = safety·ratio^(−1/(q+1)), clamped to [minFactor, maxFactor]; after a
 * rejection the next accepted step may not grow (Hairer, Nørsett & Wanner, II.4).
 */
export function iController(factors: ControllerFactors = {}): StepSizeController {
  const resolved = resolveFactors(factors);
  const { safety, maxFactor } = resolved;
  return {
    name: 'I',
    start(q: number): ControllerRun {
      const exponent = 1 / (q + 1);
      return controllerRun(resolved, q, (ratio) => (ratio === 0 ? maxFactor : safety * ratio ** -exponent));
    },
  };
}

/**
 * Proportional–integral controller (Gustafsson; Söderlind): factor = safety·ratio^(−α/(q+1))·prev^(β/(q+1)),
 * prev = the previous accepted ratio (floored at 1e-4). Rejections use the integral rule. Hairer's
 * dopri5 corresponds to α = 0.85, β = 0.2 at q = 4.
 */
export function piController(gains: PiGains = {}): StepSizeController {
  const resolved = resolveFactors(gains, [...FACTOR_KEYS, 'alpha', 'beta']);
  const { safety } = resolved;
  const alpha = gains.alpha ?? 0.7;
  const beta = gains.beta ?? 0.4;
  if (!(alpha > 0 && Number.isFinite(alpha))) throw new ArgumentError('alpha', 'a positive finite number', alpha);
  if (!(beta >= 0 && beta < alpha)) throw new ArgumentError('beta', `a number in [0, alpha = ${alpha})`, beta);
  return {
    name: 'PI',
    start(q: number): ControllerRun {
      const k = q + 1;
      let previous = 1;
      return controllerRun(resolved, q, (ratio) => {
        const raw = safety * Math.max(ratio, 1e-10) ** (-alpha / k) * previous ** (beta / k);
        previous = Math.max(ratio, 1e-4);
        return raw;
      });
    },
  };
}
