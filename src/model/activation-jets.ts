// Taylor rules for the activations, one order at a time, and their reverse-mode rules (reverse over
// Taylor), elementwise over Float64Array slabs. Normalised coefficients: x[k] = x^(k)/k!.
// For y = φ(a) with φ' = s: y[k] = (1/k) Σ_{j=1..k} j a[j] s[k−j]  (Griewank & Walther ch. 13).
// sigmoid: s = y − y², tanh: s = 1 − y² (both quadratic in y: s = c0 + c1 y + c2 y²);
// softplus: s = sigmoid(a), itself a sigmoid jet of a; relu: y[k] = a[k]·[a[0] > 0].
// The reverse of order k runs after every higher order's reverse, so each cotangent is complete
// when it is read (see mlp-jet.ts for the ordering argument).
import type { NetworkActivation as Activation } from './mlp.js';

/** Per-order slabs for one activation layer: a (pre-activation), y (output) and the helper series. */
export interface ActivationSlabs {
  a: Float64Array[];
  y: Float64Array[];
  /** s = φ'(a) as a series (sigmoid, tanh); for softplus the sigmoid u = σ(a) */
  s: Float64Array[];
  /** softplus only: the series of u' = u − u² */
  su: Float64Array[];
}

const QUADRATIC: Record<'sigmoid' | 'tanh', [number, number, number]> = { sigmoid: [0, 1, -1], tanh: [1, 0, -1] };

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** y[k] and s[k] for φ' = c0 + c1 y + c2 y² given a[0..k], y[0..k−1], s[0..k−1]. */
function quadraticForward(k: number, a: Float64Array[], y: Float64Array[], s: Float64Array[], c: [number, number, number], primal: (x: number) => number): void {
  const [c0, c1, c2] = c;
  const yk = y[k], sk = s[k], n = yk.length;
  if (k === 0) {
    const a0 = a[0];
    for (let i = 0; i < n; i++) {
      const v = primal(a0[i]);
      yk[i] = v;
      sk[i] = c0 + c1 * v + c2 * v * v;
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let j = 1; j <= k; j++) acc += j * a[j][i] * s[k - j][i];
    const v = acc / k;
    yk[i] = v;
    let sq = 0;
    for (let m = 0; m <= k; m++) sq += (m === k ? v : y[m][i]) * (k - m === k ? v : y[k - m][i]);
    sk[i] = c1 * v + c2 * sq;
  }
}

/** Reverse of quadraticForward at order k: reads ȳ[k], s̄[k]; adds to ā[0..k], ȳ[0..k−1], s̄[0..k−1]. */
function quadraticBackward(k: number, a: Float64Array[], y: Float64Array[], s: Float64Array[], abar: Float64Array[], ybar: Float64Array[], sbar: Float64Array[], c: [number, number, number]): void {
  const [, c1, c2] = c;
  const n = y[k].length;
  if (k === 0) {
    const y0 = y[0], s0 = s[0], yb = ybar[0], sb = sbar[0], ab = abar[0];
    for (let i = 0; i < n; i++) {
      const ytot = yb[i] + sb[i] * (c1 + 2 * c2 * y0[i]);
      ab[i] += ytot * s0[i];
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const sbk = sbar[k][i];
    // s[k] = c1 y[k] + c2 Σ_m y[m] y[k−m]: ∂/∂y[m] = 2 c2 y[k−m] (m = k included).
    let ybk = ybar[k][i] + c1 * sbk + 2 * c2 * sbk * y[0][i];
    for (let m = 1; m < k; m++) ybar[m][i] += 2 * c2 * sbk * y[k - m][i];
    ybar[0][i] += 2 * c2 * sbk * y[k][i];
    // y[k] = (1/k) Σ_j j a[j] s[k−j]
    ybk /= k;
    for (let j = 1; j <= k; j++) {
      abar[j][i] += j * ybk * s[k - j][i];
      sbar[k - j][i] += j * ybk * a[j][i];
    }
  }
}

export function activationForward(activation: Activation, k: number, slabs: ActivationSlabs): void {
  const { a, y, s, su } = slabs;
  switch (activation) {
    case 'sigmoid':
      return quadraticForward(k, a, y, s, QUADRATIC.sigmoid, sigmoid);
    case 'tanh':
      return quadraticForward(k, a, y, s, QUADRATIC.tanh, Math.tanh);
    case 'relu': {
      const a0 = a[0], ak = a[k], yk = y[k];
      for (let i = 0; i < yk.length; i++) yk[i] = a0[i] > 0 ? (k === 0 ? ak[i] : ak[i]) : 0;
      return;
    }
    case 'softplus': {
      // u = σ(a) first (its order k needs only a[0..k]), then y[k] = (1/k) Σ j a[j] u[k−j].
      quadraticForward(k, a, s, su, QUADRATIC.sigmoid, sigmoid);
      const yk = y[k];
      if (k === 0) {
        const a0 = a[0];
        for (let i = 0; i < yk.length; i++) yk[i] = softplus(a0[i]);
        return;
      }
      for (let i = 0; i < yk.length; i++) {
        let acc = 0;
        for (let j = 1; j <= k; j++) acc += j * a[j][i] * s[k - j][i];
        yk[i] = acc / k;
      }
      return;
    }
  }
}

export function activationBackward(activation: Activation, k: number, slabs: ActivationSlabs, bars: ActivationSlabs): void {
  const { a, y, s, su } = slabs;
  switch (activation) {
    case 'sigmoid':
      return quadraticBackward(k, a, y, s, bars.a, bars.y, bars.s, QUADRATIC.sigmoid);
    case 'tanh':
      return quadraticBackward(k, a, y, s, bars.a, bars.y, bars.s, QUADRATIC.tanh);
    case 'relu': {
      const a0 = a[0], yb = bars.y[k], ab = bars.a[k];
      for (let i = 0; i < yb.length; i++) if (a0[i] > 0) ab[i] += yb[i];
      return;
    }
    case 'softplus': {
      const yb = bars.y[k];
      if (k === 0) {
        const ab = bars.a[0], u0 = s[0];
        for (let i = 0; i < yb.length; i++) ab[i] += yb[i] * u0[i];
      } else {
        for (let i = 0; i < yb.length; i++) {
          const ybk = yb[i] / k;
          for (let j = 1; j <= k; j++) {
            bars.a[j][i] += j * ybk * s[k - j][i];
            bars.s[k - j][i] += j * ybk * a[j][i];
          }
        }
      }
      // s holds u = σ(a), su its derivative series: reverse the sigmoid jet at order k.
      quadraticBackward(k, a, s, su, bars.a, bars.s, bars.su, QUADRATIC.sigmoid);
      return;
    }
  }
}
