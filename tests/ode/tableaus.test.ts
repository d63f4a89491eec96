// The tableaux as data: consistency conditions, FSAL flags, orders as declared.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ADAPTIVE_METHODS, FIXED_METHODS, METHOD_NAMES, TABLEAUS, isAdaptive } from '../../src/ode/index.js';

test('row sums: c_i = Σ_j a_ij; Σ b = 1; Σ (b − b̂) = 0', () => {
  for (const method of METHOD_NAMES) {
    const t = TABLEAUS[method];
    assert.is(t.a.length, t.stages);
    t.a.forEach((row, i) => {
      assert.is(row.length, i, `${method} row ${i}`);
      assert.ok(Math.abs(row.reduce((s, v) => s + v, 0) - t.c[i]) < 1e-14, `${method} c_${i}`);
    });
    assert.ok(Math.abs(t.b.reduce((s, v) => s + v, 0) - 1) < 1e-14, `${method} Σb`);
    if (t.bError) assert.ok(Math.abs(t.bError.reduce((s, v) => s + v, 0)) < 1e-14, `${method} Σ(b−b̂)`);
  }
});

test('quadrature conditions Σ b_j c_j^(k−1) = 1/k up to the order, and the embedded order for b̂', () => {
  for (const method of METHOD_NAMES) {
    const t = TABLEAUS[method];
    const moment = (w: readonly number[], k: number) => w.reduce((s, wj, j) => s + wj * t.c[j] ** (k - 1), 0);
    for (let k = 1; k <= t.order; k++) assert.ok(Math.abs(moment(t.b, k) - 1 / k) < 1e-14, `${method} k=${k}`);
    if (t.bError && t.embeddedOrder) {
      const bHat = t.b.map((v, j) => v - t.bError![j]);
      for (let k = 1; k <= t.embeddedOrder; k++)
        assert.ok(Math.abs(moment(bHat, k) - 1 / k) < 1e-14, `${method} b̂ k=${k}`);
    }
  }
});

test('FSAL where the last row is b, adaptive exactly for the embedded pairs', () => {
  const fsal = METHOD_NAMES.filter((m) => TABLEAUS[m].fsal);
  assert.equal(fsal, ['bosh3', 'dopri5', 'tsit5']);
  // The stepper takes the last stage state as y1 and its f as the next k1: that needs a[s−1] = b, c = 1.
  for (const m of fsal) {
    const t = TABLEAUS[m];
    const s = t.stages;
    assert.equal([...t.a[s - 1]], t.b.slice(0, s - 1), `${m}: last row = b`);
    assert.is(t.b[s - 1], 0, `${m}: b_s = 0`);
    assert.is(t.c[s - 1], 1, `${m}: c_s = 1`);
  }
  for (const m of ADAPTIVE_METHODS) assert.ok(isAdaptive(TABLEAUS[m]), m);
  for (const m of FIXED_METHODS) assert.not.ok(isAdaptive(TABLEAUS[m]), m);
  assert.equal(Object.fromEntries(METHOD_NAMES.map((m) => [m, TABLEAUS[m].order])), {
    euler: 1,
    midpoint: 2,
    heun: 2,
    rk4: 4,
    heun_euler: 2,
    bosh3: 3,
    fehlberg45: 5,
    cash_karp: 5,
    dopri5: 5,
    tsit5: 5,
  });
});

test.run();
