// Elementwise nonlinearities. Taylor rules (DESIGN.md, "The mathematics"): for y = φ(x) with
// φ' = scale·s, y[k] = (scale/k)·Σ_{j=1..k} j·x[j]·s[k−j]; the series s is an auxiliary jet the rule
// keeps (tanh: s = 1 − y², sigmoid: s = y − y², softplus: s = sigmoid(x) which keeps its own
// u = σ − σ², sin ↔ cos as a pair, exp: s = y itself). Each order k computes y[k] and then the
// auxiliary series at order k; taylorVjp undoes those steps in the opposite order.
import type { Kernels } from '../../runtime/kernels.js';
import type { Op, Site } from '../op.js';

const n = (s: Site) => s.rows * s.cols;
type Unary = (out: number, x: number, n: number) => void;
type PrimalVjp = (dx: number, primal: number, dy: number, n: number) => void;

/** Plain forward and a vjp through an existing overwrite-style kernel plus an add into gx. */
function plain(
  fwd: (k: Kernels) => Unary,
  vjp: (k: Kernels) => PrimalVjp,
  readsOutput: boolean,
): Pick<Op, 'forward' | 'vjp'> {
  return {
    forward: (k, s) => fwd(k)(s.y, s.x[0], n(s)),
    vjp(k, s) {
      if (!s.gx[0]) return;
      vjp(k)(s.tmp, readsOutput ? s.y : s.x[0], s.gy, n(s));
      k.add(s.gx[0], s.gx[0], s.tmp, n(s));
    },
  };
}

/** tanh and sigmoid: φ' = c + alpha·y − y², a quadratic in the output kept as the auxiliary series. */
function quadraticDerivative(
  name: string,
  fwd: (k: Kernels) => Unary,
  vjp: (k: Kernels) => PrimalVjp,
  c: number,
  alpha: number,
): Op {
  return {
    name,
    arity: [1],
    shape: ([x]) => x,
    ...plain(fwd, vjp, true),
    taylorAux: 1,
    taylor(k, s, order) {
      const [x, y, d] = [s.x[0], s.y, s.aux[0]];
      if (order === 0) fwd(k)(y, x, n(s));
      else k.taylor_dphi(y, x, d, 1, n(s), order);
      k.taylor_quad(d, y, c, alpha, -1, n(s), order);
    },
    taylorVjp(k, s, order) {
      k.taylor_quad_vjp(s.gy, s.gaux[0], s.y, alpha, -1, n(s), order);
      k.taylor_dphi_vjp(s.gx[0], s.gaux[0], s.gy, s.x[0], s.aux[0], 1, n(s), order);
    },
  };
}

/** tanh' = 1 − y² */
export const tanh = quadraticDerivative(
  'tanh',
  (k) => k.tanh_fwd,
  (k) => k.tanh_vjp,
  1,
  0,
);
/** sigmoid' = y − y² */
export const sigmoid = quadraticDerivative(
  'sigmoid',
  (k) => k.sigmoid_fwd,
  (k) => k.sigmoid_vjp,
  0,
  1,
);

/** softplus(x) = log(1 + eˣ); aux[0] = σ(x) (its derivative), aux[1] = σ − σ² (σ's derivative). */
export const softplus: Op = {
  name: 'softplus',
  arity: [1],
  shape: ([x]) => x,
  ...plain(
    (k) => k.softplus_fwd,
    (k) => k.softplus_vjp,
    false,
  ),
  taylorAux: 2,
  taylor(k, s, order) {
    const [x, y, sig, u] = [s.x[0], s.y, s.aux[0], s.aux[1]];
    if (order === 0) {
      k.softplus_fwd(y, x, n(s));
      k.sigmoid_fwd(sig, x, n(s));
    } else {
      k.taylor_dphi(y, x, sig, 1, n(s), order);
      k.taylor_dphi(sig, x, u, 1, n(s), order);
    }
    k.taylor_quad(u, sig, 0, 1, -1, n(s), order);
  },
  taylorVjp(k, s, order) {
    const [x, sig, u] = [s.x[0], s.aux[0], s.aux[1]];
    const [gsig, gu] = [s.gaux[0], s.gaux[1]];
    k.taylor_quad_vjp(gsig, gu, sig, 1, -1, n(s), order);
    k.taylor_dphi_vjp(s.gx[0], gu, gsig, x, u, 1, n(s), order);
    k.taylor_dphi_vjp(s.gx[0], gsig, s.gy, x, sig, 1, n(s), order);
  },
};

/**
 * sin and cos, each keeping the other as aux[0] = p: y' = sign·p and p' = −sign·y
 * (sin: p = cos, sign = 1; cos: p = sin, sign = −1).
 */
function trigonometric(
  name: string,
  fwd: (k: Kernels) => Unary,
  vjp: (k: Kernels) => PrimalVjp,
  partner: (k: Kernels) => Unary,
  sign: number,
): Op {
  return {
    name,
    arity: [1],
    shape: ([x]) => x,
    ...plain(fwd, vjp, false),
    taylorAux: 1,
    taylor(k, s, order) {
      const [x, y, p] = [s.x[0], s.y, s.aux[0]];
      if (order === 0) {
        fwd(k)(y, x, n(s));
        partner(k)(p, x, n(s));
        return;
      }
      k.taylor_dphi(y, x, p, sign, n(s), order);
      k.taylor_dphi(p, x, y, -sign, n(s), order);
    },
    taylorVjp(k, s, order) {
      const [x, y, p] = [s.x[0], s.y, s.aux[0]];
      k.taylor_dphi_vjp(s.gx[0], s.gy, s.gaux[0], x, y, -sign, n(s), order);
      k.taylor_dphi_vjp(s.gx[0], s.gaux[0], s.gy, x, p, sign, n(s), order);
    },
  };
}

export const sin = trigonometric(
  'sin',
  (k) => k.sin_fwd,
  (k) => k.sin_vjp,
  (k) => k.cos_fwd,
  1,
);
export const cos = trigonometric(
  'cos',
  (k) => k.cos_fwd,
  (k) => k.cos_vjp,
  (k) => k.sin_fwd,
  -1,
);

/** exp: its own derivative, so the rule's series is y itself. */
export const exp: Op = {
  name: 'exp',
  arity: [1],
  shape: ([x]) => x,
  ...plain(
    (k) => k.exp_fwd,
    (k) => k.exp_vjp,
    true,
  ),
  taylor(k, s, order) {
    if (order === 0) k.exp_fwd(s.y, s.x[0], n(s));
    else k.taylor_dphi(s.y, s.x[0], s.y, 1, n(s), order);
  },
  taylorVjp(k, s, order) {
    k.taylor_dphi_vjp(s.gx[0], s.gy, s.gy, s.x[0], s.y, 1, n(s), order);
  },
};

export const log: Op = {
  name: 'log',
  arity: [1],
  shape: ([x]) => x,
  ...plain(
    (k) => k.log_fwd,
    (k) => k.log_vjp,
    false,
  ),
  taylor(k, s, order) {
    if (order === 0) k.log_fwd(s.y, s.x[0], n(s));
    else k.taylor_log(s.y, s.x[0], n(s), order);
  },
  taylorVjp(k, s, order) {
    if (s.gx[0]) k.taylor_log_vjp(s.gx[0], s.gy, s.x[0], s.y, n(s), order);
  },
};

export const relu: Op = {
  name: 'relu',
  arity: [1],
  shape: ([x]) => x,
  forward: (k, s) => k.relu_fwd(s.y, s.x[0], n(s)),
  vjp(k, s) {
    if (s.gx[0]) k.relu_mask(s.gx[0], s.gy, s.x[0], n(s), 1);
  },
  taylor: (k, s, order) => k.taylor_relu(s.y, s.x[0], n(s), order),
  taylorVjp(k, s, order) {
    if (s.gx[0]) k.taylor_relu_vjp(s.gx[0], s.gy, s.x[0], n(s), order);
  },
};

/** reluMask(x, ref) = x·[ref > 0]: relu's derivative as an op (the nested-JVP reference needs it); no gradient to ref. */
export const reluMask: Op = {
  name: 'reluMask',
  arity: [2],
  shape: ([x]) => x,
  forward: (k, s) => k.relu_mask(s.y, s.x[0], s.x[1], n(s), 0),
  vjp(k, s) {
    if (s.gx[0]) k.relu_mask(s.gx[0], s.gy, s.x[1], n(s), 1);
  },
};

/** 1/x (the nested-JVP reference differentiates log with it). */
export const reciprocal: Op = {
  name: 'reciprocal',
  arity: [1],
  shape: ([x]) => x,
  forward: (k, s) => k.reciprocal(s.y, s.x[0], n(s)),
  vjp(k, s) {
    if (!s.gx[0]) return;
    k.mul(s.tmp, s.y, s.y, n(s));
    k.mul(s.tmp, s.tmp, s.gy, n(s));
    k.axpy(s.gx[0], -1, s.tmp, n(s));
  },
};
