// The PhysioNet-like synthetic set: determinism, its stated statistics (observation density per channel
// kind, value ranges, masks), its generating ODE against the closed form, and the interpolation batch it
// feeds the latent ODE (for one channel, exactly the periodic set's batch).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  checkChannelSet,
  denseSeries,
  maxRows,
  observationCount,
  packChannelSet,
  seriesCount,
} from '../../packages/cli/src/experiments/latent/channels.js';
import { channelFeatures, makeChannelBatch } from '../../packages/cli/src/experiments/latent/channel-batches.js';
import { makeBatch, windowOf } from '../../packages/cli/src/experiments/latent/batches.js';
import { DEFAULT_PERIODIC, periodicSet } from '../../packages/cli/src/experiments/latent/data.js';
import {
  hiddenDynamics,
  hiddenSolve,
  hiddenState,
  toHidden,
  toLinear,
} from '../../packages/cli/src/experiments/latent/physionet-like/dynamics.js';
import {
  DEFAULT_PHYSIONET_LIKE,
  PHYSIONET_LIKE_RANGES as R,
  hiddenParameters,
  physionetLikeSet,
  type PhysioNetLikeSet,
} from '../../packages/cli/src/experiments/latent/physionet-like/generate.js';
import { generatingNfe } from '../../packages/cli/src/experiments/latent/physionet-like/reference.js';

const big = physionetLikeSet({ ...DEFAULT_PHYSIONET_LIKE, series: 2000, seed: 11 });
const small = (seed: number) => physionetLikeSet({ ...DEFAULT_PHYSIONET_LIKE, series: 40, seed });
const arrays = (s: PhysioNetLikeSet) =>
  [
    s.times,
    s.rowStart,
    s.rowGrid,
    s.values,
    s.mask,
    s.clean,
    s.omega,
    s.rho,
    s.kappa,
    s.y0,
    s.labRate,
    s.presence,
    s.readoutWeight,
    s.readoutBias,
  ].map((a) => Array.from(a));

test('the same seed gives identical arrays; another seed, other ones', () => {
  assert.equal(arrays(small(3)), arrays(small(3)));
  const a = arrays(small(3)),
    b = arrays(small(4));
  for (const k of [3, 6, 9, 12]) assert.not.equal(a[k], b[k], `array ${k}`);
});

test("shape: ≥ 20 channels of two kinds on a 0.1 h grid over 48 h, in [0, 1]; the set's invariants hold", () => {
  checkChannelSet(big);
  assert.is(seriesCount(big), 2000);
  assert.is(big.channels.length, 24);
  assert.equal(big.kinds.filter((k) => k === 'vital').length, 8);
  assert.is(big.times.length, 481);
  assert.is(big.times[0], 0);
  assert.is(big.times[480], 1);
  assert.is(big.tMax, 1);
  // unobserved entries: value and clean value 0
  big.mask.forEach((m, k) => {
    if (!m) {
      assert.is(big.values[k], 0);
      assert.is(big.clean[k], 0);
    }
  });
});

test('density: vitals hours·p_c per stay, at most once an hour; labs ≈ 8·p_c (2–6 draws a day over 48 h)', () => {
  const n = seriesCount(big),
    C = big.channels.length;
  for (let c = 0; c < C; c++) {
    const p = big.presence[c];
    let total = 0;
    for (let s = 0; s < n; s++) total += observationCount(big, s, c);
    const mean = total / n;
    if (big.kinds[c] === 'vital') {
      assert.ok(p >= R.vitalPresence[0] && p < R.vitalPresence[1]);
      const sd = Math.sqrt((48 * p * (1 - p)) / n);
      assert.ok(Math.abs(mean - 48 * p) < 5 * sd, `vital ${c}: ${mean} per stay, expected ${48 * p}`);
      assert.ok(mean >= 0.6 * 48 - 1 && mean <= 0.95 * 48 + 1);
    } else {
      assert.ok(p >= R.labPresence[0] && p < R.labPresence[1]);
      // E[draws] = 4·2 = 8, a few percent lost where two draws share a grid point
      assert.ok(mean / p > 7.5 && mean / p < 8.4, `lab ${c}: ${mean} per stay at p = ${p}`);
    }
  }
  for (let s = 0; s < 200; s++) {
    for (let c = 0; c < 8; c++) {
      const hours = new Set<number>();
      for (let r = big.rowStart[s]; r < big.rowStart[s + 1]; r++) {
        if (!big.mask[r * C + c]) continue;
        const hour = Math.floor(big.rowGrid[r] / 10);
        assert.not.ok(hours.has(hour), `series ${s} vital ${c} twice in hour ${hour}`);
        hours.add(hour);
      }
    }
  }
  for (const [name, range] of [
    ['omega', R.omega],
    ['rho', R.rho],
    ['kappa', R.kappa],
    ['labRate', R.labDrawsPerDay],
  ] as const) {
    const xs = Array.from(big[name]);
    assert.ok(Math.min(...xs) >= range[0] && Math.max(...xs) < range[1], name);
    assert.ok(
      Math.min(...xs) < range[0] + 0.02 * (range[1] - range[0]) &&
        Math.max(...xs) > range[1] - 0.02 * (range[1] - range[0]),
      `${name} fills its range`,
    );
  }
});

test('values: clean read-outs in (0, 1), noise N(0, 0.01²), the read-out of the closed-form hidden state', () => {
  const C = big.channels.length;
  const noise: number[] = [];
  big.mask.forEach((m, k) => {
    if (!m) return;
    assert.ok(big.clean[k] > 0 && big.clean[k] < 1);
    noise.push(big.values[k] - big.clean[k]);
  });
  const mean = noise.reduce((a, x) => a + x, 0) / noise.length;
  const sd = Math.sqrt(noise.reduce((a, x) => a + (x - mean) ** 2, 0) / noise.length);
  assert.ok(Math.abs(mean) < 1e-4 && Math.abs(sd - 0.01) < 2e-4, `noise mean ${mean}, sd ${sd}`);
  assert.ok(noise.reduce((a, x) => Math.max(a, Math.abs(x)), 0) < 0.07);
  // the clean values span most of (0, 1)
  const clean = Array.from(big.clean).filter((_, k) => big.mask[k]);
  assert.ok(clean.reduce((a, x) => Math.min(a, x)) < 0.1 && clean.reduce((a, x) => Math.max(a, x)) > 0.9);
  const b = 123,
    r = big.rowStart[b] + 2,
    c = big.mask.subarray(r * C, r * C + C).indexOf(1);
  const z = hiddenState(big.y0.subarray(3 * b, 3 * b + 3), hiddenParameters(big, b), big.times[big.rowGrid[r]]);
  const w = big.readoutWeight.subarray(3 * c, 3 * c + 3);
  assert.ok(
    Math.abs(
      big.clean[r * C + c] - (0.5 + 0.5 * Math.tanh(w[0] * z[0] + w[1] * z[1] + w[2] * z[2] + big.readoutBias[c])),
    ) < 1e-15,
  );
});

test("the generating ODE: its right-hand side is the closed form's derivative, a tight dopri5 solve reproduces it, tighter tolerances cost more NFE", () => {
  const p = { omega: 2 * Math.PI, rho: 0.9, kappa: 1.7, beta: 0.5, gamma: 0.5 };
  const y0 = [0.8, -1.3, 0.6];
  assert.ok(toLinear(toHidden(y0, p), p).every((v, i) => Math.abs(v - y0[i]) < 1e-15));
  const f = hiddenDynamics(p),
    dz = new Float64Array(3),
    h = 1e-5;
  for (const t of [0, 0.3, 0.77]) {
    f(t, Float64Array.from(hiddenState(y0, p, t)), dz);
    const plus = hiddenState(y0, p, t + h),
      minus = hiddenState(y0, p, t - h);
    for (let k = 0; k < 3; k++)
      assert.ok(
        Math.abs(dz[k] - (plus[k] - minus[k]) / (2 * h)) < 1e-6 * (1 + Math.abs(dz[k])),
        `t = ${t}, z${k + 1}'`,
      );
  }
  const ts = [0, 0.25, 0.5, 0.9, 1];
  const { zs } = hiddenSolve(y0, p, 1e-12, ts);
  ts.forEach((t, i) => {
    const exact = hiddenState(y0, p, t);
    for (let k = 0; k < 3; k++) assert.ok(Math.abs(zs[i][k] - exact[k]) < 1e-9, `t = ${t}: ${zs[i][k]} vs ${exact[k]}`);
  });
  // the set's series too, and the reference NFE: more at 1.4e-8 than at 1e-5
  const b = 7;
  const end = hiddenSolve(big.y0.subarray(3 * b, 3 * b + 3), hiddenParameters(big, b), 1e-11).zs[1];
  const exact = hiddenState(big.y0.subarray(3 * b, 3 * b + 3), hiddenParameters(big, b), 1);
  for (let k = 0; k < 3; k++) assert.ok(Math.abs(end[k] - exact[k]) < 1e-8);
  const tight = generatingNfe(big, [0, 1, 2, 3, 4], 1.4e-8),
    loose = generatingNfe(big, [0, 1, 2, 3, 4], 1e-5);
  assert.ok(tight.mean > loose.mean && tight.sd >= 0 && loose.mean > 0, `${tight.mean} vs ${loose.mean}`);
});

test('bad settings are refused naming them', () => {
  for (const [patch, re] of [
    [{ series: 0 }, /series/],
    [{ channels: 1 }, /channels/],
    [{ vitals: 24 }, /vitals: expected fewer than the 24 channels/],
    [{ vitals: 0 }, /vitals/],
    [{ quantum: 0.7 }, /quantum/],
    [{ noise: -1 }, /noise/],
    [{ seed: 0.5 }, /seed/],
    [{ hours: 0 }, /hours/],
  ] as const) {
    assert.throws(
      () => physionetLikeSet({ ...DEFAULT_PHYSIONET_LIKE, ...{ series: 3 }, ...patch }),
      re,
      JSON.stringify(patch),
    );
  }
});

test("the interpolation batch: each series' rows as [x_1..x_C, m_1..m_C, Δt], targets and masks [times, size, C] on the union of the batch's times", () => {
  const set = small(5),
    C = set.channels.length,
    F = channelFeatures(C);
  const series = [3, 0, 17];
  const batch = makeChannelBatch(set, series);
  assert.is(batch.steps, maxRows(set));
  assert.is(batch.x.length, 3 * batch.steps * F);
  const dense = denseSeries(set, series);
  assert.equal(batch.times, Array.from(dense.times));
  const T = batch.times.length;
  let observed = 0;
  series.forEach((s, b) => {
    const rows = set.rowStart[s + 1] - set.rowStart[s];
    for (let k = 0; k < batch.steps; k++) {
      const at = (b * batch.steps + k) * F,
        r = set.rowStart[s] + k;
      if (k >= rows) {
        assert.ok(
          batch.x.subarray(at, at + F).every((v) => v === 0),
          'padding',
        );
        continue;
      }
      for (let c = 0; c < C; c++) {
        assert.is(batch.x[at + c], set.values[r * C + c]);
        assert.is(batch.x[at + C + c], set.mask[r * C + c]);
      }
      assert.is(batch.x[at + 2 * C], k + 1 < rows ? set.times[set.rowGrid[r + 1]] - set.times[set.rowGrid[r]] : 0);
      // the same row in the target, at its time
      const t = batch.times.indexOf(set.times[set.rowGrid[r]]);
      for (let c = 0; c < C; c++) {
        assert.is(batch.target[(t * 3 + b) * C + c], set.values[r * C + c]);
        assert.is(batch.mask[(t * 3 + b) * C + c], set.mask[r * C + c]);
        observed += set.mask[r * C + c];
      }
    }
  });
  assert.is(batch.observed, observed);
  assert.is(
    batch.mask.reduce((a, m) => a + m, 0),
    observed,
  );
  assert.is(batch.target.length, T * 3 * C);
  assert.throws(() => makeChannelBatch(set, []), /series: expected at least one series/);
  assert.throws(() => makeChannelBatch(set, [40]), /series\[0\]: expected a series index in \[0, 40\)/);
  assert.throws(() => makeChannelBatch(set, [0], 1), /steps: expected at least the/);
});

test("one channel: the batch is exactly the periodic set's interpolation batch", () => {
  const periodic = periodicSet({ ...DEFAULT_PERIODIC, series: 12, points: 15, observed: 6, seed: 2 });
  const P = periodic.times.length;
  // the periodic set's observations as rows of a one-channel set on its (strictly increasing) grid
  const rows = Array.from({ length: 12 }, (_, s) => {
    const grid = Int32Array.from({ length: P }, (_, g) => g).filter((g) => periodic.mask[s * P + g] === 1);
    return {
      grid,
      values: Float64Array.from(grid, (g) => periodic.values[s * P + g]),
      mask: new Uint8Array(grid.length).fill(1),
    };
  });
  const set = packChannelSet(['x'], periodic.times, periodic.settings.tMax, rows);
  const window = windowOf(periodic, 'interp');
  const series = [4, 9, 0, 11];
  const a = makeBatch(periodic, window, series),
    b = makeChannelBatch(set, series, window.steps);
  assert.equal(Array.from(b.x), Array.from(a.x));
  assert.equal(b.times, a.times);
  assert.equal(Array.from(b.target), Array.from(a.target));
  assert.equal(Array.from(b.mask), Array.from(a.mask));
  assert.is(b.observed, a.observed);
  assert.is(maxRows(set), window.steps);
});

test.run();
