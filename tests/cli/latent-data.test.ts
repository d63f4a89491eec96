import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  DEFAULT_PERIODIC,
  periodicSeries,
  periodicSet,
  splitIndices,
  trueDynamicsSolve,
} from '../../packages/cli/src/experiments/latent/data.js';
import { ENCODER_FEATURES, makeBatch, windowOf } from '../../packages/cli/src/experiments/latent/batches.js';

const big = periodicSet({ ...DEFAULT_PERIODIC, series: 2000, seed: 5 });

test('periodic set: one grid, first point 0, sorted, within [0, tMax]', () => {
  const { times } = big;
  assert.is(times.length, 100);
  assert.is(times[0], 0);
  for (let i = 1; i < times.length; i++) assert.ok(times[i] >= times[i - 1] && times[i] <= 5);
  // uniform draws on [0, 5]: mean 2.5 (σ of the mean of 99 draws ≈ 0.15)
  const mean = times.slice(1).reduce((a, t) => a + t, 0) / 99;
  assert.ok(Math.abs(mean - 2.5) < 0.5, `grid mean ${mean}`);
});

test('periodic set: frequencies U[0.4, 0.8], offsets 1 + N(0, 0.1), noise 0.01·U[0, 1) on all points but the first', () => {
  const n = big.settings.series,
    p = big.times.length;
  const stats = (xs: Float64Array) => {
    const m = xs.reduce((a, x) => a + x, 0) / xs.length;
    return {
      m,
      sd: Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1)),
      lo: xs.reduce((a, x) => Math.min(a, x), Infinity),
      hi: xs.reduce((a, x) => Math.max(a, x), -Infinity),
    };
  };
  for (const f of [big.startFreq, big.endFreq]) {
    const s = stats(f);
    assert.ok(s.lo >= 0.4 && s.hi < 0.8 && s.lo < 0.41 && s.hi > 0.79, `range [${s.lo}, ${s.hi}]`);
    assert.ok(Math.abs(s.m - 0.6) < 0.01 && Math.abs(s.sd - 0.4 / Math.sqrt(12)) < 0.01, `mean ${s.m}, sd ${s.sd}`);
  }
  const o = stats(big.offset);
  assert.ok(Math.abs(o.m - 1) < 0.01 && Math.abs(o.sd - 0.1) < 0.006, `offset mean ${o.m}, sd ${o.sd}`);
  const noise: number[] = [];
  for (let b = 0; b < n; b++) {
    assert.is(big.values[b * p], big.clean[b * p], 'the first point is noise-free');
    for (let i = 1; i < p; i++) noise.push(big.values[b * p + i] - big.clean[b * p + i]);
  }
  const ns = stats(Float64Array.from(noise));
  assert.ok(ns.lo >= 0 && ns.hi < 0.01 + 1e-12, `noise in [${ns.lo}, ${ns.hi}]`);
  assert.ok(
    Math.abs(ns.m - 0.005) < 1e-4 && Math.abs(ns.sd - 0.01 / Math.sqrt(12)) < 1e-4,
    `noise mean ${ns.m}, sd ${ns.sd}`,
  );
});

test('periodic series: the phase integrates 2π·freq(t) with the frequency linear in t (closed form for a fine grid)', () => {
  // fine uniform grid: the left Riemann sum tends to φ(t) = 2π(f0·t + (f1 − f0)·t²/(2T))
  const T = 5,
    n = 200001;
  const times = Float64Array.from({ length: n }, (_, i) => (T * i) / (n - 1));
  const x = periodicSeries(times, 0.45, 0.75, 1.1);
  for (const i of [0, 50000, 123457, n - 1]) {
    const t = times[i];
    const exact = 1.1 + Math.sin(2 * Math.PI * (0.45 * t + (0.3 * t * t) / (2 * T)));
    assert.ok(Math.abs(x[i] - exact) < 1e-4, `t = ${t}: ${x[i]} vs ${exact}`);
  }
  // and the set's clean values are exactly this function of the drawn parameters
  const b = 17,
    p = big.times.length;
  assert.equal(
    Array.from(big.clean.subarray(b * p, (b + 1) * p)),
    Array.from(periodicSeries(big.times, big.startFreq[b], big.endFreq[b], big.offset[b])),
  );
});

test('the generating process as an ODE (rotation at 2π·f(t)) reproduces the closed form; tighter tolerances cost more NFE', () => {
  const b = 3;
  const f0 = big.startFreq[b],
    f1 = big.endFreq[b];
  const ts = [0, 0.7, 2.2, 4.1, 5];
  const { x, stats } = trueDynamicsSolve(big, b, 1e-11, ts);
  ts.forEach((t, i) => {
    const exact = big.offset[b] + Math.sin(2 * Math.PI * (f0 * t + ((f1 - f0) * t * t) / 10));
    assert.ok(Math.abs(x[i] - exact) < 1e-8, `t = ${t}: ${x[i]} vs ${exact}`);
  });
  const loose = trueDynamicsSolve(big, b, 1e-5).stats.nfe,
    tight = trueDynamicsSolve(big, b, 1.4e-8).stats.nfe;
  assert.ok(loose > 0 && tight > loose && stats.nfe > tight, `${loose} < ${tight} < ${stats.nfe}`);
});

test('periodic set: each series keeps `observed` distinct points, different per series; deterministic in the seed', () => {
  const p = big.times.length;
  const patterns = new Set<string>();
  for (let b = 0; b < 50; b++) {
    const row = big.mask.subarray(b * p, (b + 1) * p);
    assert.is(
      row.reduce((a, m) => a + m, 0),
      50,
    );
    assert.ok(row.every((m) => m === 0 || m === 1));
    patterns.add(row.join(''));
  }
  assert.is(patterns.size, 50);
  const again = periodicSet({ ...DEFAULT_PERIODIC, series: 2000, seed: 5 });
  assert.equal(again.values, big.values);
  assert.equal(again.mask, big.mask);
  const other = periodicSet({ ...DEFAULT_PERIODIC, series: 2000, seed: 6 });
  assert.not.equal(other.values, big.values);
  assert.throws(
    () => periodicSet({ ...DEFAULT_PERIODIC, observed: 101 }),
    /observed: expected at most the 100 grid points/,
  );
  assert.throws(() => periodicSet({ ...DEFAULT_PERIODIC, tMax: 0 }), /tMax/);
  assert.throws(() => periodicSet({ ...DEFAULT_PERIODIC, freqHigh: 0.1 }), /freqHigh/);
});

test('split 80/20 and batches: encoder input [x·m, m, Δt] backwards-readable, union of scored times, masked targets', () => {
  const { train, test: held } = splitIndices(1000);
  assert.is(train.length, 800);
  assert.is(held.length, 200);
  assert.is(held[0], 800);
  const set = periodicSet({ ...DEFAULT_PERIODIC, series: 4, points: 10, observed: 4, seed: 2 });
  const p = 10;
  const interp = windowOf(set, 'interp');
  const batch = makeBatch(set, interp, [1, 3]);
  assert.is(interp.steps, 4);
  assert.is(batch.x.length, 2 * 4 * ENCODER_FEATURES);
  for (let b = 0; b < 2; b++) {
    const s = [1, 3][b];
    const seen = [...Array(p).keys()].filter((g) => set.mask[s * p + g] === 1);
    seen.forEach((g, k) => {
      const at = (b * 4 + k) * 3;
      assert.is(batch.x[at], set.values[s * p + g]);
      assert.is(batch.x[at + 1], 1);
      assert.is(batch.x[at + 2], k + 1 < seen.length ? set.times[seen[k + 1]] - set.times[g] : 0);
    });
  }
  // the scored times: grid points observed by series 1 or 3
  const union = Array.from(set.times).filter((_, g) => set.mask[p + g] === 1 || set.mask[3 * p + g] === 1);
  assert.equal(batch.times, union);
  assert.is(batch.observed, 8);
  const extrap = windowOf(set, 'extrap');
  assert.ok(extrap.encoder.every((g) => set.times[g] < 2.5) && extrap.loss.every((g) => set.times[g] >= 2.5));
  assert.is(extrap.encoder.length + extrap.loss.length, p);
  const eb = makeBatch(set, extrap, [1, 3]);
  assert.ok(eb.times.every((t) => t >= 2.5));
  // the encoder's steps: the most first-half observations of any series; shorter rows end in zero padding
  const counts = [0, 1, 2, 3].map((s) => extrap.encoder.filter((g) => set.mask[s * p + g] === 1).length);
  assert.is(extrap.steps, Math.max(...counts));
  assert.is(eb.x.length, 2 * extrap.steps * 3);
  [1, 3].forEach((s, b) => {
    for (let k = counts[s]; k < extrap.steps; k++)
      assert.equal(Array.from(eb.x.subarray((b * extrap.steps + k) * 3, (b * extrap.steps + k + 1) * 3)), [0, 0, 0]);
    for (let k = 0; k < counts[s]; k++) assert.is(eb.x[(b * extrap.steps + k) * 3 + 1], 1);
  });
});

test.run();
