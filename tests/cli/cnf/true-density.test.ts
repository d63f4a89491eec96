import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../../src/random.js';
import { ArgumentError } from '../../../src/errors.js';
import { makeDataset, sampleToy } from '../../../packages/cli/src/experiments/cnf/data.js';
import { toyLogDensity, toyTrueNll } from '../../../packages/cli/src/experiments/cnf/true-density.js';

/** ∫ p over [−r, r]² by the midpoint rule on an m × m grid. */
function integral(name: '8gaussians' | 'checkerboard', r: number, m: number): number {
  const h = (2 * r) / m,
    x = new Float64Array(2 * m * m);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++) {
      x[2 * (i * m + j)] = -r + (i + 0.5) * h;
      x[2 * (i * m + j) + 1] = -r + (j + 0.5) * h;
    }
  return toyLogDensity(name, x).reduce((a, v) => a + Math.exp(v), 0) * h * h;
}

test('the true densities integrate to 1 (midpoint rule on a fine grid)', () => {
  assert.ok(Math.abs(integral('8gaussians', 5, 400) - 1) < 1e-6);
  assert.ok(Math.abs(integral('checkerboard', 4, 400) - 1) < 1e-9, "grid lines fall on the squares' edges");
});

test('checkerboard: every drawn point has −log p = ln 32; points off the board have none', () => {
  const x = sampleToy('checkerboard', 2000, new Rng(1));
  assert.ok(toyLogDensity('checkerboard', x).every((v) => v === -Math.log(32)));
  // (0.5, −0.5)·2: column [0, 1) allows the cells [0, 1) and [−2, −1), so [−1, 0) is off; and outside [−4, 4)²
  assert.equal(
    [...toyLogDensity('checkerboard', Float64Array.of(1, -1, 1, 1, 9, 0))],
    [-Infinity, -Math.log(32), -Infinity],
  );
});

test('8gaussians: at a centre, the one component (σ = 0.5/1.414) over 8; the sample mean NLL is its entropy estimate', () => {
  const sigma = 0.5 / 1.414;
  const logp = toyLogDensity('8gaussians', Float64Array.of(4 / 1.414, 0))[0];
  // the neighbours (2.16 away, 6.1σ) add exp(−18.7) ≈ 7e-9 of the centre's own density
  assert.ok(Math.abs(logp - (-Math.log(2 * Math.PI * sigma * sigma) - Math.log(8))) < 2e-8, `${logp}`);
  // the components barely overlap: entropy ≈ log 8 + log(2πeσ²)
  const nll = toyTrueNll('8gaussians', sampleToy('8gaussians', 20000, new Rng(2)));
  assert.ok(Math.abs(nll - (Math.log(8) + Math.log(2 * Math.PI * Math.E * sigma * sigma))) < 0.02, `${nll}`);
  assert.throws(
    () => toyLogDensity('moons', Float64Array.of(0, 0)),
    (e: Error) => e instanceof ArgumentError && e.message.startsWith('dataset:'),
  );
});

test('makeDataset: the true NLL of the test and validation sets where the density is known, a fresh validation stream', () => {
  const d = makeDataset('checkerboard', 50, 40, 0, 30);
  assert.ok(Math.abs(d.trueTestNll! - Math.log(32)) < 1e-12);
  assert.ok(Math.abs(d.trueValidationNll! - Math.log(32)) < 1e-12);
  assert.is(d.validation.length, 60);
  assert.not.equal([...d.validation.subarray(0, 4)], [...d.test.subarray(0, 4)]);
  const m = makeDataset('mixture16', 50, 40, 0, 30);
  assert.ok(Number.isFinite(m.trueValidationNll) && m.validation.length === 30 * 16);
  const moons = makeDataset('moons', 50, 40, 0);
  assert.is(moons.trueTestNll, undefined);
  assert.is(moons.validation.length, 0);
});

test.run();
