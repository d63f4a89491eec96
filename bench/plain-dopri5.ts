// The plain-JavaScript reference of bench/inference.bench.ts: a 2-64-64-2-style MLP (time concatenated
// before every layer, Math.tanh between layers) and a 40-line Dormand–Prince 5(4) with Hairer's initial
// step and the integral controller (safety 0.9, factors in [0.2, 10], no growth right after a
// rejection), as a user would write it; the same rules as src/ode, so it takes the same steps.

/** Layer l: weight [out, in + 1] row-major (the time last), bias [out]. */
export interface PlainLayer {
  inputs: number;
  outputs: number;
  w: Float64Array;
  b: Float64Array;
}

/** dy = f(t, y) for one example through the layers, tanh between them. */
export function plainMlp(layers: PlainLayer[]): (t: number, y: Float64Array, dy: Float64Array) => void {
  const hidden = layers.map((l) => new Float64Array(l.outputs));
  return (t, y, dy) => {
    let x = y;
    layers.forEach((l, i) => {
      const out = i === layers.length - 1 ? dy : hidden[i];
      const k = l.inputs + 1;
      for (let j = 0; j < l.outputs; j++) {
        let s = l.b[j] + l.w[j * k + l.inputs] * t;
        for (let p = 0; p < l.inputs; p++) s += l.w[j * k + p] * x[p];
        out[j] = i === layers.length - 1 ? s : Math.tanh(s);
      }
      x = out;
    });
  };
}

const C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1];
const A = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
];
const B = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84];
const E = [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40];

/** y(t1) from y(t0) by dopri5 at rtol, atol; returns the state and the number of evaluations. */
export function plainDopri5(
  f: (t: number, y: Float64Array, dy: Float64Array) => void,
  y0: Float64Array,
  t0: number,
  t1: number,
  rtol: number,
  atol: number,
) {
  const n = y0.length;
  const k = Array.from({ length: 7 }, () => new Float64Array(n));
  let y = Float64Array.from(y0),
    yNew = new Float64Array(n);
  const tmp = new Float64Array(n),
    err = new Float64Array(n);
  let nfe = 0;
  const norm = (v: Float64Array, a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const r = v[i] / (atol + rtol * Math.max(Math.abs(a[i]), Math.abs(b[i])));
      s += r * r;
    }
    return Math.sqrt(s / n);
  };
  f(t0, y, k[0]);
  nfe++;
  const d0 = norm(y, y, y),
    d1 = norm(k[0], y, y);
  const h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * (d0 / d1);
  for (let i = 0; i < n; i++) tmp[i] = y[i] + h0 * k[0][i];
  f(t0 + h0, tmp, k[1]);
  nfe++;
  for (let i = 0; i < n; i++) err[i] = k[1][i] - k[0][i];
  const d2 = norm(err, y, y) / h0;
  const d12 = Math.max(d1, d2);
  let h = Math.min(100 * h0, d12 <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : (0.01 / d12) ** (1 / 6));
  let t = t0,
    rejected = false;
  while (t !== t1) {
    let last = false;
    if (h >= (t1 - t) * (1 - 1e-12)) {
      h = t1 - t;
      last = true;
    }
    for (let s = 1; s < 7; s++) {
      const a = s < 6 ? A[s] : B,
        out = s < 6 ? tmp : yNew;
      for (let i = 0; i < n; i++) {
        let v = 0;
        for (let j = 0; j < a.length; j++) v += a[j] * k[j][i];
        out[i] = y[i] + h * v;
      }
      f(t + (s < 6 ? C[s] : 1) * h, out, k[s]);
      nfe++;
    }
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let j = 0; j < 7; j++) v += E[j] * k[j][i];
      err[i] = h * v;
    }
    const ratio = norm(err, y, yNew);
    if (ratio <= 1) {
      const factor = Math.min(rejected ? 1 : 10, Math.max(0.2, ratio === 0 ? 10 : 0.9 * ratio ** -0.2));
      t = last ? t1 : t + h;
      [y, yNew] = [yNew, y];
      [k[0], k[6]] = [k[6], k[0]];
      rejected = false;
      h *= factor;
    } else {
      rejected = true;
      h *= Math.min(1, Math.max(0.2, 0.9 * ratio ** -0.2));
    }
  }
  return { y, nfe };
}
