// The 'js' backend of the augmented dynamics (see augmented.ts): one Taylor jet through the MLP gives
// f (order 0) and z[K] together; intermediates are kept per slot (one per RK stage), so `vjp(slot, …)`
// reverses the evaluation made at that slot without recomputing it. Plain TypeScript over
// Float64Arrays: no arena traffic, which suits small networks.
import { ShapeError } from '../errors.js';
import type { Rng } from '../random.js';
import { MlpJet } from './mlp-jet.js';
import type { Mlp } from './mlp.js';
import type { AugmentedDynamics } from './augmented.js';
import { factorial, regularizerTerms, type RegularizerConfig, type RegularizerTerm } from './regularizers.js';

interface Slot {
  jet: MlpJet;
  jacobianJet?: MlpJet;
}

export class JsAugmentedDynamics implements AugmentedDynamics {
  readonly d: number;
  readonly terms: RegularizerTerm[];
  /** Taylor orders the jet needs: network orders 0..K−1 give z[1..K] */
  readonly orders: number;
  readonly stateSize: number;
  private readonly slots: Slot[] = [];
  private readonly order: number | undefined;
  private readonly kineticIndex: number;
  private readonly jacobianIndex: number;
  private readonly orderIndex: number;
  /** Rademacher probe for the Jacobian term, [batch, D], fixed within a solve */
  readonly epsilon: Float64Array;
  /** dynamics evaluations since the last reset */
  nfe = 0;

  constructor(readonly mlp: Mlp, readonly batch: number, readonly regularizers: RegularizerConfig, withRegularizers = true) {
    this.d = mlp.spec.widths[0];
    this.terms = withRegularizers ? regularizerTerms(regularizers) : [];
    this.order = withRegularizers ? regularizers.order : undefined;
    this.orders = Math.max(1, this.order ?? 1);
    this.orderIndex = this.terms.findIndex((t) => t.name.startsWith('r'));
    this.kineticIndex = this.terms.findIndex((t) => t.name === 'kinetic');
    this.jacobianIndex = this.terms.findIndex((t) => t.name === 'jacobian');
    this.stateSize = batch * this.d + this.terms.length;
    this.epsilon = new Float64Array(batch * this.d).fill(1);
  }

  /** Draws a fresh Rademacher ε for the Jacobian term (call once per solve). */
  resampleNoise(rng: Rng): void {
    if (this.jacobianIndex >= 0) for (let i = 0; i < this.epsilon.length; i++) this.epsilon[i] = rng.rademacher();
  }

  private slot(i: number): Slot {
    while (this.slots.length <= i) {
      this.slots.push({
        jet: new MlpJet(this.mlp, this.batch, this.orders),
        jacobianJet: this.jacobianIndex >= 0 ? new MlpJet(this.mlp, this.batch, 2) : undefined,
      });
    }
    return this.slots[i];
  }

  readonly odeFunction = (t: number, y: Float64Array, dy: Float64Array): void => this.evaluate(t, y, dy, 0);

  /** The jets kept per slot are what vjp reverses, so the replay evaluates everything. */
  replayStage(t: number, y: Float64Array, dy: Float64Array, slot: number): void {
    this.evaluate(t, y, dy, slot);
  }

  /** dy = F(t, y): the dynamics and every integrand. */
  evaluate = (t: number, y: Float64Array, dy: Float64Array, slotIndex: number): void => {
    if (y.length !== this.stateSize || dy.length !== this.stateSize) throw new ShapeError(`augmented state holds ${this.stateSize} values, got ${y.length} and ${dy.length}`);
    this.nfe++;
    const { jet, jacobianJet } = this.slot(slotIndex);
    const bd = this.batch * this.d;
    jet.t.fill(0);
    jet.t[0] = t;
    if (this.orders > 1) jet.t[1] = 1;
    jet.x[0].set(y.subarray(0, bd));
    for (let k = 0; k < this.orders; k++) {
      jet.forwardOrder(k);
      if (k + 1 < this.orders) {
        const src = jet.out[k], dst = jet.x[k + 1], inv = 1 / (k + 1);
        for (let i = 0; i < bd; i++) dst[i] = src[i] * inv;
      }
    }
    dy.set(jet.out[0], 0);
    if (this.orderIndex >= 0) {
      const K = this.order!;
      const zK = jet.out[K - 1];
      dy[bd + this.orderIndex] = ((factorial(K) / K) ** 2 / bd) * sumSquares(zK); // z[K] = out[K−1]/K
    }
    if (this.kineticIndex >= 0) dy[bd + this.kineticIndex] = sumSquares(jet.out[0]) / bd;
    if (jacobianJet) {
      jacobianJet.t[0] = t;
      jacobianJet.t[1] = 0;
      jacobianJet.x[0].set(y.subarray(0, bd));
      jacobianJet.x[1].set(this.epsilon);
      jacobianJet.forwardOrder(0);
      jacobianJet.forwardOrder(1);
      dy[bd + this.jacobianIndex] = sumSquares(jacobianJet.out[1]) / bd;
    }
  };

  /**
   * Adds (∂F/∂y)ᵀ·dyBar to yBar (only its z part) and (∂F/∂θ)ᵀ·dyBar to the parameters' gradients,
   * at the point last evaluated in `slotIndex`.
   */
  vjp = (slotIndex: number, dyBar: Float64Array, yBar: Float64Array): void => {
    const { jet, jacobianJet } = this.slot(slotIndex);
    const bd = this.batch * this.d;
    jet.zeroCotangents();
    jet.outBar[0].set(dyBar.subarray(0, bd));
    if (this.orderIndex >= 0) {
      const K = this.order!;
      axpy(jet.outBar[K - 1], (2 * (factorial(K) / K) ** 2 / bd) * dyBar[bd + this.orderIndex], jet.out[K - 1]);
    }
    if (this.kineticIndex >= 0) axpy(jet.outBar[0], (2 / bd) * dyBar[bd + this.kineticIndex], jet.out[0]);
    jet.backward(this.orders, (k) => {
      if (k === 0) return;
      const src = jet.xbar[k], dst = jet.outBar[k - 1], inv = 1 / k;
      for (let i = 0; i < bd; i++) dst[i] += src[i] * inv;
    });
    const xb = jet.xbar[0];
    for (let i = 0; i < bd; i++) yBar[i] += xb[i];
    if (jacobianJet) {
      jacobianJet.zeroCotangents();
      axpy(jacobianJet.outBar[1], (2 / bd) * dyBar[bd + this.jacobianIndex], jacobianJet.out[1]);
      jacobianJet.backward(2);
      const jb = jacobianJet.xbar[0];
      for (let i = 0; i < bd; i++) yBar[i] += jb[i];
    }
  };
}

function sumSquares(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return s;
}

/** y += alpha·x */
function axpy(y: Float64Array, alpha: number, x: Float64Array): void {
  if (alpha === 0) return;
  for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
}
