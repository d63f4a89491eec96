// The Taylor kernels against plain-TypeScript transcriptions of their formulas, on awkward sizes
// (SIMD body and scalar tail) and at every order up to 6, including the accumulate-into semantics.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Tensor } from '../../src/runtime/tensor.js';
import { Rng } from '../../src/random.js';
import { AWKWARD_SIZES, assertClose, randomArray } from '../helpers/numeric.js';

const rt = createRuntimeSync();
const { arena, kernels: k } = rt;
const K = 6;
const TOL = 1e-13;

/** A jet of n values as a flat array of K+1 slabs, and a tensor holding a copy. */
function jet(rng: Rng, n: number, low = -1, high = 1): [Float64Array, Tensor] {
  const a = randomArray(rng, (K + 1) * n, low, high);
  return [a, Tensor.from(arena, a, K + 1, n)];
}
const at = (a: Float64Array, n: number, j: number, i: number) => a[j * n + i];

test('taylor_dphi and taylor_dphi_vjp match their formulas', () => {
  const rng = new Rng(1);
  for (const n of AWKWARD_SIZES)
    arena.scope(() => {
      for (let order = 0; order <= K; order++) {
        const [x, xt] = jet(rng, n);
        const [s, st] = jet(rng, n);
        const [y, yt] = jet(rng, n);
        const scale = -0.7;
        if (order > 0) {
          k.taylor_dphi(yt.offset, xt.offset, st.offset, scale, n, order);
          const want = y.slice();
          for (let i = 0; i < n; i++) {
            let acc = 0;
            for (let j = 1; j <= order; j++) acc += j * at(x, n, j, i) * at(s, n, order - j, i);
            want[order * n + i] = (scale / order) * acc;
          }
          assertClose(yt.data, want, TOL, `dphi n=${n} k=${order}`);
        }
        const [gx, gxt] = jet(rng, n);
        const [gs, gst] = jet(rng, n);
        k.taylor_dphi_vjp(gxt.offset, gst.offset, yt.offset, xt.offset, st.offset, scale, n, order);
        const gy = yt.toFloat64Array();
        const wgx = gx.slice();
        const wgs = gs.slice();
        for (let i = 0; i < n; i++) {
          if (order === 0) {
            wgx[i] += scale * gy[i] * s[i];
            continue;
          }
          const g = (gy[order * n + i] * scale) / order;
          for (let j = 1; j <= order; j++) {
            wgx[j * n + i] += g * j * at(s, n, order - j, i);
            wgs[(order - j) * n + i] += g * j * at(x, n, j, i);
          }
        }
        assertClose(gxt.data, wgx, TOL, `dphi_vjp gx n=${n} k=${order}`);
        assertClose(gst.data, wgs, TOL, `dphi_vjp gs n=${n} k=${order}`);
      }
    });
});

test('taylor_quad and taylor_quad_vjp match their formulas', () => {
  const rng = new Rng(2);
  for (const n of AWKWARD_SIZES)
    arena.scope(() => {
      for (let order = 0; order <= K; order++) {
        const [y, yt] = jet(rng, n);
        const [s, st] = jet(rng, n);
        const [c, alpha, beta] = [0.3, 1.5, -1.25];
        k.taylor_quad(st.offset, yt.offset, c, alpha, beta, n, order);
        const want = s.slice();
        for (let i = 0; i < n; i++) {
          let acc = 0;
          for (let j = 0; j <= order; j++) acc += at(y, n, j, i) * at(y, n, order - j, i);
          want[order * n + i] = (order === 0 ? c : 0) + alpha * at(y, n, order, i) + beta * acc;
        }
        assertClose(st.data, want, TOL, `quad n=${n} k=${order}`);
        const [gy, gyt] = jet(rng, n);
        k.taylor_quad_vjp(gyt.offset, st.offset, yt.offset, alpha, beta, n, order);
        const wgy = gy.slice();
        for (let i = 0; i < n; i++) {
          const g = want[order * n + i];
          wgy[order * n + i] += alpha * g;
          for (let j = 0; j <= order; j++) wgy[j * n + i] += 2 * beta * g * at(y, n, order - j, i);
        }
        assertClose(gyt.data, wgy, TOL, `quad_vjp n=${n} k=${order}`);
      }
    });
});

test('taylor_mul and taylor_mul_vjp (also aliased, as square uses them) match their formulas', () => {
  const rng = new Rng(3);
  for (const n of AWKWARD_SIZES)
    arena.scope(() => {
      for (let order = 0; order <= K; order++) {
        const [a, at_] = jet(rng, n);
        const [b, bt] = jet(rng, n);
        const [y, yt] = jet(rng, n);
        k.taylor_mul(yt.offset, at_.offset, bt.offset, n, order);
        const want = y.slice();
        for (let i = 0; i < n; i++) {
          let acc = 0;
          for (let j = 0; j <= order; j++) acc += at(a, n, j, i) * at(b, n, order - j, i);
          want[order * n + i] = acc;
        }
        assertClose(yt.data, want, TOL, `mul n=${n} k=${order}`);
        const [ga, gat] = jet(rng, n);
        const [gb, gbt] = jet(rng, n);
        k.taylor_mul_vjp(gat.offset, gbt.offset, yt.offset, at_.offset, bt.offset, n, order);
        const wga = ga.slice();
        const wgb = gb.slice();
        const wgaa = ga.slice();
        for (let i = 0; i < n; i++) {
          const g = want[order * n + i];
          for (let j = 0; j <= order; j++) {
            wga[j * n + i] += g * at(b, n, order - j, i);
            wgb[(order - j) * n + i] += g * at(a, n, j, i);
            wgaa[j * n + i] += 2 * g * at(a, n, order - j, i);
          }
        }
        assertClose(gat.data, wga, TOL, `mul_vjp ga n=${n} k=${order}`);
        assertClose(gbt.data, wgb, TOL, `mul_vjp gb n=${n} k=${order}`);
        const aliased = Tensor.from(arena, ga, K + 1, n);
        k.taylor_mul_vjp(aliased.offset, aliased.offset, yt.offset, at_.offset, at_.offset, n, order);
        assertClose(aliased.data, wgaa, TOL, `square vjp n=${n} k=${order}`);
      }
    });
});

test('taylor_log and taylor_log_vjp match their formulas', () => {
  const rng = new Rng(4);
  for (const n of AWKWARD_SIZES)
    arena.scope(() => {
      for (let order = 0; order <= K; order++) {
        const [x, xt] = jet(rng, n, 0.5, 1.5);
        const [y, yt] = jet(rng, n);
        if (order > 0) {
          k.taylor_log(yt.offset, xt.offset, n, order);
          for (let i = 0; i < n; i++) {
            let acc = 0;
            for (let j = 1; j < order; j++) acc += j * at(y, n, j, i) * at(x, n, order - j, i);
            y[order * n + i] = (at(x, n, order, i) - acc / order) / x[i];
          }
          assertClose(yt.data, y, TOL, `log n=${n} k=${order}`);
        }
        const [gx, gxt] = jet(rng, n);
        const [gy, gyt] = jet(rng, n);
        k.taylor_log_vjp(gxt.offset, gyt.offset, xt.offset, yt.offset, n, order);
        for (let i = 0; i < n; i++) {
          const g = gy[order * n + i] / x[i];
          if (order === 0) {
            gx[i] += g;
            continue;
          }
          gx[order * n + i] += g;
          for (let j = 1; j < order; j++) {
            gy[j * n + i] -= (g * j * at(x, n, order - j, i)) / order;
            gx[(order - j) * n + i] -= (g * j * at(y, n, j, i)) / order;
          }
          gx[i] -= g * at(y, n, order, i);
        }
        assertClose(gxt.data, gx, TOL, `log_vjp gx n=${n} k=${order}`);
        assertClose(gyt.data, gy, TOL, `log_vjp gy n=${n} k=${order}`);
      }
    });
});

test('taylor_relu and taylor_relu_vjp mask every order by the sign of x[0]', () => {
  const rng = new Rng(5);
  for (const n of AWKWARD_SIZES)
    arena.scope(() => {
      for (let order = 0; order <= K; order++) {
        const [x, xt] = jet(rng, n);
        const [y, yt] = jet(rng, n);
        const [gx, gxt] = jet(rng, n);
        k.taylor_relu(yt.offset, xt.offset, n, order);
        k.taylor_relu_vjp(gxt.offset, yt.offset, xt.offset, n, order);
        for (let i = 0; i < n; i++) {
          y[order * n + i] = x[i] > 0 ? at(x, n, order, i) : 0;
          gx[order * n + i] += x[i] > 0 ? y[order * n + i] : 0;
        }
        assert.equal(Array.from(yt.data), Array.from(y), `relu n=${n} k=${order}`);
        assertClose(gxt.data, gx, TOL, `relu_vjp n=${n} k=${order}`);
      }
    });
});

test('support kernels: mul_add, add_scalar, reciprocal, relu_mask, append_column and its vjp', () => {
  const rng = new Rng(6);
  for (const n of AWKWARD_SIZES)
    arena.scope(() => {
      const a = randomArray(rng, n),
        b = randomArray(rng, n),
        c = randomArray(rng, n);
      const [at_, bt, ct] = [a, b, c].map((v) => Tensor.from(arena, v, 1, n));
      k.mul_add(ct.offset, at_.offset, bt.offset, n);
      assertClose(
        ct.data,
        c.map((v, i) => v + a[i] * b[i]),
        TOL,
        'mul_add',
      );
      k.add_scalar(ct.offset, 0.25, n);
      assertClose(
        ct.data,
        c.map((v, i) => v + a[i] * b[i] + 0.25),
        TOL,
        'add_scalar',
      );
      k.reciprocal(ct.offset, at_.offset, n);
      assertClose(
        ct.data,
        a.map((v) => 1 / v),
        TOL,
        'reciprocal',
      );
      k.relu_mask(ct.offset, at_.offset, bt.offset, n, 0);
      assertClose(
        ct.data,
        a.map((v, i) => (b[i] > 0 ? v : 0)),
        TOL,
        'relu_mask',
      );
      k.relu_mask(ct.offset, at_.offset, bt.offset, n, 1);
      assertClose(
        ct.data,
        a.map((v, i) => (b[i] > 0 ? 2 * v : 0)),
        TOL,
        'relu_mask accumulate',
      );
      // append_column on a [rows, cols] matrix with rows·cols = n
      const rows = n % 2 === 0 ? 2 : 1;
      const cols = n / rows;
      const tt = Tensor.from(arena, [0.75], 1, 1);
      const out = Tensor.empty(arena, rows, cols + 1);
      k.append_column(out.offset, at_.offset, tt.offset, rows, cols);
      const want: number[] = [];
      for (let r = 0; r < rows; r++) want.push(...a.subarray(r * cols, (r + 1) * cols), 0.75);
      assert.equal(Array.from(out.data), want, 'append_column');
      const g = Tensor.from(arena, b, 1, n);
      const gt = k.append_column_vjp(g.offset, out.offset, rows, cols);
      assertClose(
        g.data,
        b.map((v, i) => v + a[i]),
        TOL,
        'append_column_vjp gx',
      );
      assertClose([gt], [0.75 * rows], TOL, 'append_column_vjp gt');
    });
});

test('softmax_xent matches a direct log-sum-exp, including huge logits', () => {
  const rng = new Rng(7);
  for (const cols of [1, 2, 3, 7, 10])
    arena.scope(() => {
      const rows = 3;
      const logits = randomArray(rng, rows * cols, -3, 3);
      logits[0] = 800; // exp would overflow without the max shift
      const targets = randomArray(rng, rows * cols, 0, 1);
      const [lt, tt, pt] = [
        Tensor.from(arena, logits, rows, cols),
        Tensor.from(arena, targets, rows, cols),
        Tensor.empty(arena, rows, cols),
      ];
      const total = k.softmax_xent(pt.offset, lt.offset, tt.offset, rows, cols);
      let want = 0;
      const p = new Float64Array(rows * cols);
      for (let r = 0; r < rows; r++) {
        const row = logits.subarray(r * cols, (r + 1) * cols);
        const m = Math.max(...row);
        const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
        for (let c = 0; c < cols; c++) {
          want -= targets[r * cols + c] * (row[c] - lse);
          p[r * cols + c] = Math.exp(row[c] - lse);
        }
      }
      assertClose([total], [want], 1e-12, `xent cols=${cols}`);
      assertClose(pt.data, p, 1e-12, `softmax cols=${cols}`);
    });
});

test.run();
