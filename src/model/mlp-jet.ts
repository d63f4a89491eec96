// Forward Taylor mode through the time-concatenated MLP, one order at a time, and its reverse.
// Forward order k: every layer's pre-activation a[k] = h[k]·W_hᵀ + t[k]·w_t (+ b at k = 0), then the
// activation's order-k rule; the linear layers run once per order (K passes for K orders).
// Reverse: orders from high to low and, within an order, layers from last to first. Quantity (l, k)
// feeds only (l, k' > k) and (l + 1, k' ≥ k), so this visits each one after everything that reads it.
// The ODE recursion x[k+1] = out[k]/(k+1) is closed by the caller through the hooks.
// This is the model layer's own implementation over plain Float64Arrays (see the report: to be swapped
// for the shared Taylor/autodiff layer once it exists).
import { activationBackward, activationForward, type ActivationSlabs } from './activation-jets.js';
import type { Mlp } from './mlp.js';

function slabs(orders: number, size: number): Float64Array[] {
  return Array.from({ length: orders }, () => new Float64Array(size));
}

function emptyActivation(orders: number, size: number, withSu: boolean): ActivationSlabs {
  return { a: slabs(orders, size), y: slabs(orders, size), s: slabs(orders, size), su: withSu ? slabs(orders, size) : [] };
}

export class MlpJet {
  /** input slabs x[0..orders−1], [batch, state] */
  readonly x: Float64Array[];
  readonly xbar: Float64Array[];
  /** hidden layers' slabs; the last layer's pre-activation is `out` */
  private readonly hidden: ActivationSlabs[];
  private readonly hiddenBar: ActivationSlabs[];
  readonly out: Float64Array[];
  readonly outBar: Float64Array[];
  /** time coefficients t[k] */
  readonly t: Float64Array;

  constructor(readonly mlp: Mlp, readonly batch: number, readonly orders: number) {
    const d = mlp.spec.widths[0];
    const withSu = mlp.spec.activation === 'softplus';
    this.x = slabs(orders, batch * d);
    this.xbar = slabs(orders, batch * d);
    this.out = slabs(orders, batch * d);
    this.outBar = slabs(orders, batch * d);
    this.hidden = mlp.layers.slice(0, -1).map((l) => emptyActivation(orders, batch * l.outputs, withSu));
    this.hiddenBar = mlp.layers.slice(0, -1).map((l) => emptyActivation(orders, batch * l.outputs, withSu));
    this.t = new Float64Array(orders);
  }

  /** Order k of every layer; x[k] and t[k] must be set, and orders below k computed. */
  forwardOrder(k: number): void {
    const { layers, spec } = this.mlp;
    let h = this.x[k];
    for (let l = 0; l < layers.length; l++) {
      const last = l === layers.length - 1;
      const a = last ? this.out[k] : this.hidden[l].a[k];
      linearForward(layers[l].inputs, layers[l].outputs, this.batch, h, this.t[k], layers[l].weight.value.data, k === 0 ? layers[l].bias.value.data : undefined, a);
      if (!last) {
        activationForward(spec.activation, k, this.hidden[l]);
        h = this.hidden[l].y[k];
      }
    }
  }

  /** Zeroes every cotangent slab up to order `orders`. */
  zeroCotangents(orders = this.orders): void {
    for (let k = 0; k < orders; k++) {
      this.xbar[k].fill(0);
      this.outBar[k].fill(0);
      for (const hb of this.hiddenBar) {
        hb.a[k].fill(0); hb.y[k].fill(0); hb.s[k].fill(0);
        if (hb.su.length) hb.su[k].fill(0);
      }
    }
  }

  /**
   * Reverse of orders `orders−1 … 0`. outBar must hold the output cotangents; parameter gradients are
   * added to each Parameter.grad. After order k's reverse, `afterOrder(k)` may read xbar[k] (complete)
   * and add to outBar[k−1] (the ODE link).
   */
  backward(orders: number, afterOrder?: (k: number) => void): void {
    const { layers, spec } = this.mlp;
    for (let k = orders - 1; k >= 0; k--) {
      for (let l = layers.length - 1; l >= 0; l--) {
        const last = l === layers.length - 1;
        const abar = last ? this.outBar[k] : this.hiddenBar[l].a[k];
        if (!last) activationBackward(spec.activation, k, this.hidden[l], this.hiddenBar[l]);
        const h = l === 0 ? this.x[k] : this.hidden[l - 1].y[k];
        const hbar = l === 0 ? this.xbar[k] : this.hiddenBar[l - 1].y[k];
        linearBackward(layers[l].inputs, layers[l].outputs, this.batch, h, this.t[k], layers[l].weight.value.data, abar, hbar, layers[l].weight.grad.data, k === 0 ? layers[l].bias.grad.data : undefined);
      }
      afterOrder?.(k);
    }
  }
}

/** a[b, o] = Σ_i h[b, i] W[o, i] + t·W[o, in] (+ bias[o]); W is [out, in + 1]. */
function linearForward(inputs: number, outputs: number, batch: number, h: Float64Array, t: number, w: Float64Array, bias: Float64Array | undefined, a: Float64Array): void {
  const stride = inputs + 1;
  for (let b = 0; b < batch; b++) {
    const hb = b * inputs;
    for (let o = 0; o < outputs; o++) {
      const wo = o * stride;
      let acc = t * w[wo + inputs] + (bias ? bias[o] : 0);
      for (let i = 0; i < inputs; i++) acc += h[hb + i] * w[wo + i];
      a[b * outputs + o] = acc;
    }
  }
}

/** h̄ += ā W_h; W̄ += āᵀ [h, t]; b̄ += Σ_b ā (bias only at order 0). */
function linearBackward(inputs: number, outputs: number, batch: number, h: Float64Array, t: number, w: Float64Array, abar: Float64Array, hbar: Float64Array, wbar: Float64Array, bbar: Float64Array | undefined): void {
  const stride = inputs + 1;
  for (let b = 0; b < batch; b++) {
    const hb = b * inputs;
    for (let o = 0; o < outputs; o++) {
      const g = abar[b * outputs + o];
      if (g === 0) continue;
      const wo = o * stride;
      for (let i = 0; i < inputs; i++) {
        hbar[hb + i] += g * w[wo + i];
        wbar[wo + i] += g * h[hb + i];
      }
      wbar[wo + inputs] += g * t;
      if (bbar) bbar[o] += g;
    }
  }
}
