import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  columnMoments,
  makeDataset,
  mixture16,
  mixtureLogDensity,
  sampleMixture,
  sampleToy,
  TOY_DATASETS,
} from '../../../packages/cli/src/experiments/cnf/data.js';
import { Rng } from '../../../src/random.js';

const N = 20000;
const near = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (± ${tol})`);
const radii = (x: Float64Array) => Array.from({ length: x.length / 2 }, (_, i) => Math.hypot(x[2 * i], x[2 * i + 1]));
const meanOf = (xs: number[]) => xs.reduce((a, v) => a + v, 0) / xs.length;

test('every toy set: seeded (same seed, same points; another seed, others), n rows of 2, finite', () => {
  for (const name of TOY_DATASETS) {
    const a = sampleToy(name, 101, new Rng(3)),
      b = sampleToy(name, 101, new Rng(3)),
      c = sampleToy(name, 101, new Rng(4));
    assert.is(a.length, 202, name);
    assert.ok(a.every(Number.isFinite), name);
    assert.equal(Array.from(a), Array.from(b), name);
    assert.not.equal(Array.from(a), Array.from(c), name);
  }
});

test('8gaussians: centred, E|x|² = (16 + 2·0.25)/1.414², every point near one of the 8 centres', () => {
  const x = sampleToy('8gaussians', N, new Rng(1));
  const { mean } = columnMoments(x, 2);
  near(mean[0], 0, 0.06, 'mean x');
  near(mean[1], 0, 0.06, 'mean y');
  near(meanOf(radii(x).map((r) => r * r)), 16.5 / 1.414 ** 2, 0.1, 'E|x|²');
  const centres = Array.from({ length: 8 }, (_, k) => [
    (4 * Math.cos((k * Math.PI) / 4)) / 1.414,
    (4 * Math.sin((k * Math.PI) / 4)) / 1.414,
  ]);
  for (let i = 0; i < N; i++) {
    const d = Math.min(...centres.map(([cx, cy]) => Math.hypot(x[2 * i] - cx, x[2 * i + 1] - cy)));
    assert.ok(d < (6 * 0.5) / 1.414, `point ${i} is ${d} from every centre`);
  }
});

test('checkerboard: uniform on the black squares of [−4, 4]² (⌊x/2⌋ + ⌊y/2⌋ even), variance 16/3 per axis', () => {
  const x = sampleToy('checkerboard', N, new Rng(2));
  for (let i = 0; i < N; i++) {
    assert.ok(Math.abs(x[2 * i]) <= 4 && Math.abs(x[2 * i + 1]) <= 4);
    assert.is((((Math.floor(x[2 * i] / 2) + Math.floor(x[2 * i + 1] / 2)) % 2) + 2) % 2, 0, `point ${i}`);
  }
  const { mean, std } = columnMoments(x, 2);
  near(mean[0], 0, 0.06, 'mean x');
  near(mean[1], 0, 0.06, 'mean y');
  near(std[0] ** 2, 16 / 3, 0.15, 'var x');
  near(std[1] ** 2, 16 / 3, 0.15, 'var y');
});

test("rings and circles: radii at FFJORD's circles (3, 2.25, 1.5, 0.75; 3 and 1.5) in equal shares", () => {
  // noise σ: rings 0.08 after the ×3, circles 0.08 before it (0.24)
  const share = (x: Float64Array, rs: number[], sigma: number) => {
    const counts = rs.map(() => 0);
    for (const r of radii(x)) {
      const k = rs.reduce((best, c, i) => (Math.abs(r - c) < Math.abs(r - rs[best]) ? i : best), 0);
      assert.ok(Math.abs(r - rs[k]) < 6 * sigma, `radius ${r}`);
      counts[k]++;
    }
    return counts.map((c) => c / (x.length / 2));
  };
  share(sampleToy('rings', N, new Rng(5)), [3, 2.25, 1.5, 0.75], 0.08).forEach((f) =>
    near(f, 0.25, 0.002, 'rings share'),
  );
  share(sampleToy('circles', N, new Rng(6)), [3, 1.5], 0.24).forEach((f) => near(f, 0.5, 0.01, 'circles share'));
});

test('moons, swissroll, pinwheel, 2spirals: closed-form means and second moments', () => {
  // moons: the semicircles' centroids (0, 2/π) and (1, 0.5 − 2/π) average (0.5, 0.25); ×2 − (1, 0.2) → (0, 0.3)
  const moons = columnMoments(sampleToy('moons', N, new Rng(7)), 2).mean;
  near(moons[0], 0, 0.03, 'moons mean x');
  near(moons[1], 0.3, 0.03, 'moons mean y');
  // swissroll: t ~ U[1.5π, 4.5π], E[t cos t] = [t sin t + cos t]/(3π) = 2, E[t sin t] = [sin t − t cos t]/(3π) = 2/(3π); /5
  const roll = columnMoments(sampleToy('swissroll', N, new Rng(8)), 2).mean;
  near(roll[0], 2 / 5, 0.05, 'swissroll mean x');
  near(roll[1], 2 / (3 * Math.PI) / 5, 0.05, 'swissroll mean y');
  // pinwheel: five arms symmetric about 0; |x|² = 4(r² + s²), E = 4(1 + 0.09 + 0.01)
  const pin = sampleToy('pinwheel', N, new Rng(9));
  const pm = columnMoments(pin, 2).mean;
  near(pm[0], 0, 0.04, 'pinwheel mean x');
  near(pm[1], 0, 0.04, 'pinwheel mean y');
  near(meanOf(radii(pin).map((r) => r * r)), 4.4, 0.08, 'pinwheel E|x|²');
  // 2spirals: the second spiral is the first turned by π
  const sp = columnMoments(sampleToy('2spirals', N, new Rng(10)), 2).mean;
  near(sp[0], 0, 0.05, 'spirals mean x');
  near(sp[1], 0, 0.05, 'spirals mean y');
});

test('mixture16: 16 columns, the training split standardised exactly, the test split nearly; seeded; the true NLL known', () => {
  const d = makeDataset('mixture16', 4000, 2000, 3);
  assert.is(d.dim, 16);
  assert.is(d.train.length, 4000 * 16);
  const tr = columnMoments(d.train, 16),
    te = columnMoments(d.test, 16);
  for (let k = 0; k < 16; k++) {
    near(tr.mean[k], 0, 1e-12, `train mean ${k}`);
    near(tr.std[k], 1, 1e-12, `train std ${k}`);
    near(te.mean[k], 0, 0.1, `test mean ${k}`);
    near(te.std[k], 1, 0.1, `test std ${k}`);
  }
  assert.equal(
    Array.from(makeDataset('mixture16', 50, 10, 3).train),
    Array.from(makeDataset('mixture16', 50, 10, 3).train),
  );
  // well below a Gaussian with the same covariance (22.70 nats for 16 standardised columns), which it is not
  assert.ok(
    d.trueTestNll! > 5 && d.trueTestNll! < 16 * 0.5 * Math.log(2 * Math.PI * Math.E),
    `true NLL ${d.trueTestNll}`,
  );
});

test('mixture16: each component is N(c, Q S² Qᵀ) with Q orthogonal; the log-density is that of the mixture', () => {
  const m = mixture16(1);
  for (const q of m.rotations)
    for (let a = 0; a < 16; a++)
      for (let b = 0; b < 16; b++) {
        let dot = 0;
        for (let r = 0; r < 16; r++) dot += q[r * 16 + a] * q[r * 16 + b];
        near(dot, a === b ? 1 : 0, 1e-12, `QᵀQ[${a},${b}]`);
      }
  // one component: −E log p = Σ log s + (D/2) log 2πe, by the samples' mean (standard error ≈ √(D/2)/√n)
  const one = { dim: 16, centres: [m.centres[0]], rotations: [m.rotations[0]], scales: [m.scales[0]] };
  const x = sampleMixture(one, 20000, new Rng(2));
  const entropy = m.scales[0].reduce((a, v) => a + Math.log(v), 0) + 8 * Math.log(2 * Math.PI * Math.E);
  near(-mixtureLogDensity(one, x).reduce((a, v) => a + v, 0) / 20000, entropy, 0.15, 'entropy');
  // the mixture of 8 at a point is the mean of the components' densities
  const point = x.subarray(0, 16);
  const parts = m.centres.map((_, k) =>
    Math.exp(
      mixtureLogDensity(
        { dim: 16, centres: [m.centres[k]], rotations: [m.rotations[k]], scales: [m.scales[k]] },
        point,
      )[0],
    ),
  );
  near(mixtureLogDensity(m, point)[0], Math.log(parts.reduce((a, v) => a + v, 0) / 8), 1e-10, 'mixture log-density');
  // centres at radius 4
  for (const c of m.centres) near(Math.hypot(...c), 4, 1e-12, 'radius');
});

test('makeDataset refuses unknown names and sizes by argument', () => {
  assert.throws(() => makeDataset('miniboone', 10, 10, 0), /^dataset: expected one of 8gaussians/);
  assert.throws(() => makeDataset('moons', 0, 10, 0), /^trainSize: expected a positive integer/);
  assert.throws(() => sampleToy('moons', 2.5, new Rng(0)), /^n: expected a positive integer/);
});

test.run();
