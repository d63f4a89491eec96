// Stochastic gradient descent with (optionally Nesterov) momentum and L2 weight decay, as PyTorch's
// SGD does it without dampening. One kernel call per parameter tensor.
import { ArgumentError } from '../errors.js';
import type { Kernels } from '../runtime/kernels.js';
import { Tensor } from '../runtime/tensor.js';
import type { Optimizer } from './optimizer.js';
import { checkParameters, type ParameterLike } from './parameters.js';
import { asSchedule, type Schedule } from './schedules.js';

export interface SgdOptions {
  lr?: number | Schedule;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

export class Sgd implements Optimizer {
  readonly name = 'sgd';
  private t = 0;
  private readonly schedule: Schedule;
  private readonly buffers: Tensor[];
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(private readonly kernels: Kernels, private readonly params: readonly ParameterLike[], options: SgdOptions = {}) {
    checkParameters(params);
    this.schedule = asSchedule(options.lr ?? 1e-2);
    const momentum = options.momentum ?? 0.9;
    if (typeof momentum !== 'number' || !(momentum >= 0 && momentum < 1)) throw new ArgumentError('momentum', 'a number in [0, 1)', momentum);
    this.momentum = momentum;
    this.nesterov = options.nesterov ?? false;
    if (this.nesterov && momentum === 0) throw new ArgumentError('nesterov', 'false when momentum is 0 (Nesterov needs momentum)', true);
    const wd = options.weightDecay ?? 0;
    if (typeof wd !== 'number' || !Number.isFinite(wd) || wd < 0) throw new ArgumentError('weightDecay', 'a finite non-negative number', wd);
    this.weightDecay = wd;
    this.buffers = params.map((p) => Tensor.zeros(p.value.arena, p.value.rows, p.value.cols));
  }

  get iteration(): number {
    return this.t;
  }

  currentRate(): number {
    return this.schedule(this.t);
  }

  step(): void {
    const lr = this.currentRate();
    this.params.forEach((p, i) => {
      this.kernels.sgd_momentum_update(
        p.value.offset, p.grad.offset, this.buffers[i].offset, p.value.size,
        lr, this.momentum, this.weightDecay, this.nesterov ? 1 : 0,
      );
    });
    this.t++;
  }
}
