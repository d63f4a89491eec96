// The neural ODE's dynamics with the regularisers as extra states of the same solve.
// Flat state layout: [z (batch × D) | ∫integrand_1 (batch) | ∫integrand_2 (batch) | …], terms in the
// order of regularizerTerms(). The integrands never depend on the integrals, so their cotangents are
// constant and only z carries a cotangent through the dynamics.
// Intermediates are kept per slot (one per RK stage), so `vjp(slot, …)` reverses the evaluation made
// at that slot without recomputing it.
import { ShapeError } from '../errors.js';
import type { Rng } from '../random.js';
import { MlpJet } from './mlp-jet.js';
import type { Mlp } from './mlp.js';
import { factorial, regularizerTerms, type RegularizerConfig, type RegularizerTerm } from './regularizers.js';

interface Slot {
  jet: MlpJet;
  jacobianJet?: MlpJet;
}

export class AugmentedDynamics {
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
    this.stateSize = batch * (this.d + this.terms.length);
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

  /** dy = F(t, y): the dynamics and every integrand. */
  evaluate = (t: number, y: Float64Array, dy: Float64Array, slotIndex: number): void => {
    if (y.length !== this.stateSize || dy.length !== this.stateSize) throw new ShapeError(`augmented state holds ${this.stateSize} values, got ${y.length} and ${dy.length}`);
    this.nfe++;
    const { jet, jacobianJet } = this.slot(slotIndex);
    const bd = this.batch * this.d, d = this.d;
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
      const c = (factorial(K) / K) ** 2 / d; // z[K] = out[K−1]/K
      writeRowNorms(zK, this.batch, d, c, dy, bd + this.orderIndex * this.batch);
    }
    if (this.kineticIndex >= 0) writeRowNorms(jet.out[0], this.batch, d, 1 / d, dy, bd + this.kineticIndex * this.batch);
    if (jacobianJet) {
      jacobianJet.t[0] = t;
      jacobianJet.t[1] = 0;
      jacobianJet.x[0].set(y.subarray(0, bd));
      jacobianJet.x[1].set(this.epsilon);
      jacobianJet.forwardOrder(0);
      jacobianJet.forwardOrder(1);
      writeRowNorms(jacobianJet.out[1], this.batch, d, 1 / d, dy, bd + this.jacobianIndex * this.batch);
    }
  };

  /**
   * Adds (∂F/∂y)ᵀ·dyBar to yBar (only its z part) and (∂F/∂θ)ᵀ·dyBar to the parameters' gradients,
   * at the point last evaluated in `slotIndex`.
   */
  vjp = (slotIndex: number, dyBar: Float64Array, yBar: Float64Array): void => {
    const { jet, jacobianJet } = this.slot(slotIndex);
    const bd = this.batch * this.d, d = this.d, B = this.batch;
    jet.zeroCotangents();
    jet.outBar[0].set(dyBar.subarray(0, bd));
    if (this.orderIndex >= 0) {
      const K = this.order!;
      const c = (factorial(K) / K) ** 2 / d;
      addRowNormCotangent(jet.out[K - 1], B, d, 2 * c, dyBar, bd + this.orderIndex * B, jet.outBar[K - 1]);
    }
    if (this.kineticIndex >= 0) addRowNormCotangent(jet.out[0], B, d, 2 / d, dyBar, bd + this.kineticIndex * B, jet.outBar[0]);
    jet.backward(this.orders, (k) => {
      if (k === 0) return;
      const src = jet.xbar[k], dst = jet.outBar[k - 1], inv = 1 / k;
      for (let i = 0; i < bd; i++) dst[i] += src[i] * inv;
    });
    const xb = jet.xbar[0];
    for (let i = 0; i < bd; i++) yBar[i] += xb[i];
    if (jacobianJet) {
      jacobianJet.zeroCotangents();
      addRowNormCotangent(jacobianJet.out[1], B, d, 2 / d, dyBar, bd + this.jacobianIndex * B, jacobianJet.outBar[1]);
      jacobianJet.backward(2);
      const jb = jacobianJet.xbar[0];
      for (let i = 0; i < bd; i++) yBar[i] += jb[i];
    }
  };
}

/** out[offset + b] = c · Σ_j v[b, j]² */
function writeRowNorms(v: Float64Array, rows: number, cols: number, c: number, out: Float64Array, offset: number): void {
  for (let b = 0; b < rows; b++) {
    let s = 0;
    for (let j = 0; j < cols; j++) { const x = v[b * cols + j]; s += x * x; }
    out[offset + b] = c * s;
  }
}

/** vbar[b, j] += c · w[offset + b] · v[b, j] */
function addRowNormCotangent(v: Float64Array, rows: number, cols: number, c: number, w: Float64Array, offset: number, vbar: Float64Array): void {
  for (let b = 0; b < rows; b++) {
    const g = c * w[offset + b];
    if (g === 0) continue;
    for (let j = 0; j < cols; j++) vbar[b * cols + j] += g * v[b * cols + j];
  }
}
