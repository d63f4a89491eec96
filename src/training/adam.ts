// Adam (Kingma & Ba 2015) with bias correction, as PyTorch implements it; `decoupledWeightDecay`
// gives AdamW (Loshchilov & Hutter 2019). The moment buffers live in the arena next to the parameters
// and one kernel call updates a parameter tensor and both of its moments.
import { ArgumentError } from '../errors.js';
import type { Kernels } from '../runtime/kernels.js';
import { Tensor } from '../runtime/tensor.js';
import type { Optimizer } from './optimizer.js';
import { checkParameters, type ParameterLike } from './parameters.js';
import { asSchedule, type Schedule } from './schedules.js';

export interface AdamOptions {
  lr?: number | Schedule;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** L2 weight decay (added to the gradient) or, with decoupledWeightDecay, AdamW shrinkage. */
  weightDecay?: number;
  decoupledWeightDecay?: boolean;
}

export class Adam implements Optimizer {
  readonly name = 'adam';
  private t = 0;
  private readonly schedule: Schedule;
  private readonly moments: { m: Tensor; v: Tensor }[];
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupledWeightDecay: boolean;

  constructor(private readonly kernels: Kernels, private readonly params: readonly ParameterLike[], options: AdamOptions = {}) {
    checkParameters(params);
    this.schedule = asSchedule(options.lr ?? 1e-3);
    this.beta1 = checkIn('beta1', options.beta1 ?? 0.9, 0, 1);
    this.beta2 = checkIn('beta2', options.beta2 ?? 0.999, 0, 1);
    this.eps = checkNonNegative('eps', options.eps ?? 1e-8);
    this.weightDecay = checkNonNegative('weightDecay', options.weightDecay ?? 0);
    this.decoupledWeightDecay = options.decoupledWeightDecay ?? false;
    this.moments = params.map((p) => ({
      m: Tensor.zeros(p.value.arena, p.value.rows, p.value.cols),
      v: Tensor.zeros(p.value.arena, p.value.rows, p.value.cols),
    }));
  }

  get iteration(): number {
    return this.t;
  }

  currentRate(): number {
    return this.schedule(this.t);
  }

  step(): void {
    const lr = this.currentRate();
    const t = this.t + 1;
    const c1 = 1 / (1 - this.beta1 ** t);
    const c2 = 1 / (1 - this.beta2 ** t);
    this.params.forEach((p, i) => {
      const { m, v } = this.moments[i];
      this.kernels.adam_update(
        p.value.offset, p.grad.offset, m.offset, v.offset, p.value.size,
        lr, this.beta1, this.beta2, this.eps, c1, c2, this.weightDecay, this.decoupledWeightDecay ? 1 : 0,
      );
    });
    this.t = t;
  }
}

function checkIn(name: string, value: number, low: number, high: number): number {
  if (typeof value !== 'number' || !(value >= low && value < high)) throw new ArgumentError(name, `a number in [${low}, ${high})`, value);
  return value;
}

function checkNonNegative(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new ArgumentError(name, 'a finite non-negative number', value);
  return value;
}
