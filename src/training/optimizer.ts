// The interface every optimiser implements (one update of all parameters from their gradients), and
// what Adam and SGD share: the parameter list, the learning-rate schedule with its step counter, the
// per-parameter state buffers, and the checks of their settings.
import { ArgumentError } from '../errors.js';
import { checkKernels, foreignParam } from '../runtime/check.js';
import type { Kernels } from '../runtime/kernels.js';
import { Tensor } from '../runtime/tensor.js';
import { checkParameters, type ParameterLike } from '../autodiff/parameters.js';
import { asSchedule, checkRate, type Schedule } from './schedules.js';

export interface Optimizer {
  readonly name: string;
  /** Number of completed steps. */
  readonly iteration: number;
  /** Learning rate the next step will use. */
  currentRate(): number;
  /** Updates every parameter in place from its gradient, then advances the iteration. */
  step(): void;
  /** the parameters it updates (train checks they are its model's); an optimiser of your own may omit it */
  readonly parameters?: readonly ParameterLike[];
}

export abstract class ScheduledOptimizer implements Optimizer {
  abstract readonly name: string;
  /** completed steps */
  protected t = 0;
  private readonly schedule: Schedule;

  constructor(
    protected readonly kernels: Kernels,
    protected readonly params: readonly ParameterLike[],
    lr: number | Schedule,
  ) {
    checkKernels(kernels, 'kernels');
    checkParameters(params);
    // The kernels address their own module's memory: parameters in another runtime's arena would be
    // read from, and updates written to, unrelated bytes of this one.
    const foreign = foreignParam(params, kernels);
    if (foreign)
      throw new ArgumentError(
        'params',
        `parameters in the memory of the kernels given (${foreign.name} lives in another runtime's arena: pass that runtime's kernels)`,
        foreign.name,
      );
    this.schedule = asSchedule(lr);
  }

  get parameters(): readonly ParameterLike[] {
    return this.params;
  }

  get iteration(): number {
    return this.t;
  }

  /** The schedule's rate for the next step; a schedule function's result is checked like a fixed rate. */
  currentRate(): number {
    const rate = this.schedule(this.t);
    checkRate(`lr (the schedule at iteration ${this.t})`, rate);
    return rate;
  }

  abstract step(): void;

  /** One zeroed tensor per parameter, shaped like it (moments, momentum buffers), next to the parameters. */
  protected zeroedStateLikeParams(): Tensor[] {
    return this.params.map((p) => Tensor.zeros(p.value.arena, p.value.rows, p.value.cols));
  }
}

export function checkIn(name: string, value: number, low: number, high: number): number {
  if (typeof value !== 'number' || !(value >= low && value < high))
    throw new ArgumentError(name, `a number in [${low}, ${high})`, value);
  return value;
}

export function checkNonNegative(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new ArgumentError(name, 'a finite non-negative number', value);
  return value;
}

/** The settings Adam and Adamax share, checked, with PyTorch's defaults. */
export function checkMomentSettings(o: { beta1?: number; beta2?: number; eps?: number; weightDecay?: number }): {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
} {
  return {
    beta1: checkIn('beta1', o.beta1 ?? 0.9, 0, 1),
    beta2: checkIn('beta2', o.beta2 ?? 0.999, 0, 1),
    eps: checkNonNegative('eps', o.eps ?? 1e-8),
    weightDecay: checkNonNegative('weightDecay', o.weightDecay ?? 0),
  };
}
