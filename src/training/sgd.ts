// Stochastic gradient descent with (optionally Nesterov) momentum and L2 weight decay, as PyTorch's
// SGD does it without dampening. One kernel call per parameter tensor.
import { ArgumentError } from '../errors.js';
import { checkBoolean, checkKeys } from '../config/strict.js';
import type { Kernels } from '../runtime/kernels.js';
import type { Tensor } from '../runtime/tensor.js';
import { checkIn, checkNonNegative, ScheduledOptimizer } from './optimizer.js';
import type { ParameterLike } from '../autodiff/parameters.js';
import type { Schedule } from './schedules.js';

export interface SgdOptions {
  lr?: number | Schedule;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

export const SGD_OPTION_KEYS = ['lr', 'momentum', 'nesterov', 'weightDecay'] as const;

export class Sgd extends ScheduledOptimizer {
  readonly name = 'sgd';
  private readonly buffers: Tensor[];
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(kernels: Kernels, params: readonly ParameterLike[], options: SgdOptions = {}) {
    checkKeys(options, SGD_OPTION_KEYS, '');
    super(kernels, params, options.lr ?? 1e-2);
    this.momentum = checkIn('momentum', options.momentum ?? 0.9, 0, 1);
    this.nesterov = checkBoolean(options.nesterov ?? false, 'nesterov');
    if (this.nesterov && this.momentum === 0)
      throw new ArgumentError('nesterov', 'false when momentum is 0 (Nesterov needs momentum)', true);
    this.weightDecay = checkNonNegative('weightDecay', options.weightDecay ?? 0);
    this.buffers = this.zeroedStateLikeParams();
  }

  step(): void {
    const lr = this.currentRate();
    this.params.forEach((p, i) => {
      this.kernels.sgd_momentum_update(
        p.value.offset,
        p.grad.offset,
        this.buffers[i].offset,
        p.value.size,
        lr,
        this.momentum,
        this.weightDecay,
        this.nesterov ? 1 : 0,
      );
    });
    this.t++;
  }
}
