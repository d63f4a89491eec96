// Adam (Kingma & Ba 2015) with bias correction, as PyTorch implements it; `decoupledWeightDecay`
// gives AdamW (Loshchilov & Hutter 2019). The moment buffers live in the arena next to the parameters
// and one kernel call updates a parameter tensor and both of its moments.
import { checkBoolean, checkKeys } from '../config/strict.js';
import type { Kernels } from '../runtime/kernels.js';
import type { Tensor } from '../runtime/tensor.js';
import { checkMomentSettings, ScheduledOptimizer } from './optimizer.js';
import type { ParameterLike } from '../autodiff/parameters.js';
import type { Schedule } from './schedules.js';

export interface AdamOptions {
  lr?: number | Schedule;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** L2 weight decay (added to the gradient) or, with decoupledWeightDecay, AdamW shrinkage. */
  weightDecay?: number;
  decoupledWeightDecay?: boolean;
}

export const ADAM_OPTION_KEYS = ['lr', 'beta1', 'beta2', 'eps', 'weightDecay', 'decoupledWeightDecay'] as const;

export class Adam extends ScheduledOptimizer {
  readonly name = 'adam';
  private readonly m: Tensor[];
  private readonly v: Tensor[];
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupledWeightDecay: boolean;

  constructor(kernels: Kernels, params: readonly ParameterLike[], options: AdamOptions = {}) {
    checkKeys(options, ADAM_OPTION_KEYS, '');
    super(kernels, params, options.lr ?? 1e-3);
    ({
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      weightDecay: this.weightDecay,
    } = checkMomentSettings(options));
    this.decoupledWeightDecay = checkBoolean(options.decoupledWeightDecay ?? false, 'decoupledWeightDecay');
    this.m = this.zeroedStateLikeParams();
    this.v = this.zeroedStateLikeParams();
  }

  step(): void {
    const lr = this.currentRate();
    const t = this.t + 1;
    const c1 = 1 / (1 - this.beta1 ** t);
    const c2 = 1 / (1 - this.beta2 ** t);
    this.params.forEach((p, i) => {
      this.kernels.adam_update(
        p.value.offset,
        p.grad.offset,
        this.m[i].offset,
        this.v[i].offset,
        p.value.size,
        lr,
        this.beta1,
        this.beta2,
        this.eps,
        c1,
        c2,
        this.weightDecay,
        this.decoupledWeightDecay ? 1 : 0,
      );
    });
    this.t = t;
  }
}
