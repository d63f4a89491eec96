// Adamax (Kingma & Ba 2015, §7.1: Adam with the infinity norm), as PyTorch's torch.optim.Adamax
// computes it: the second moment becomes an exponentially weighted maximum of |g|, so only the first
// moment needs a bias correction. The latent-ODE experiment trains with it, as the reference code does.
import { checkKeys } from '../config/strict.js';
import type { Kernels } from '../runtime/kernels.js';
import type { Tensor } from '../runtime/tensor.js';
import { checkMomentSettings, ScheduledOptimizer } from './optimizer.js';
import type { ParameterLike } from '../autodiff/parameters.js';
import type { Schedule } from './schedules.js';

export interface AdamaxOptions {
  /** default 2e-3 (PyTorch's) */
  lr?: number | Schedule;
  beta1?: number;
  beta2?: number;
  /** added to |g| before the maximum (PyTorch's placement), default 1e-8 */
  eps?: number;
  /** L2 weight decay, added to the gradient */
  weightDecay?: number;
}

export const ADAMAX_OPTION_KEYS = ['lr', 'beta1', 'beta2', 'eps', 'weightDecay'] as const;

export class Adamax extends ScheduledOptimizer {
  readonly name = 'adamax';
  private readonly m: Tensor[];
  private readonly u: Tensor[];
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;

  constructor(kernels: Kernels, params: readonly ParameterLike[], options: AdamaxOptions = {}) {
    checkKeys(options, ADAMAX_OPTION_KEYS, '');
    super(kernels, params, options.lr ?? 2e-3);
    ({
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      weightDecay: this.weightDecay,
    } = checkMomentSettings(options));
    this.m = this.zeroedStateLikeParams();
    this.u = this.zeroedStateLikeParams();
  }

  step(): void {
    const lr = this.currentRate();
    const t = this.t + 1;
    const c1 = 1 / (1 - this.beta1 ** t);
    this.params.forEach((p, i) => {
      this.kernels.adamax_update(
        p.value.offset,
        p.grad.offset,
        this.m[i].offset,
        this.u[i].offset,
        p.value.size,
        lr,
        this.beta1,
        this.beta2,
        this.eps,
        c1,
        this.weightDecay,
      );
    });
    this.t = t;
  }
}
