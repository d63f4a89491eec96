// A trainable tensor and its gradient, both in the arena. Create parameters outside any arena scope
// (they must outlive every step); gradients ACCUMULATE across backward passes until zeroGrad.
import type { Runtime } from '../runtime/wasm.js';
import { Tensor } from '../runtime/tensor.js';
import { checkRuntime } from '../runtime/check.js';

export class Parameter {
  constructor(
    readonly name: string,
    readonly value: Tensor,
    readonly grad: Tensor,
  ) {}

  static zeros(rt: Runtime, name: string, rows: number, cols: number): Parameter {
    checkRuntime(rt, 'rt');
    return new Parameter(name, Tensor.zeros(rt.arena, rows, cols), Tensor.zeros(rt.arena, rows, cols));
  }

  get shape(): [number, number] {
    return this.value.shape;
  }

  zeroGrad(rt: Runtime): void {
    rt.kernels.fill(this.grad.offset, 0, this.grad.size);
  }
}
