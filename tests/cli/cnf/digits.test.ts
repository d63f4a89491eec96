import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../../src/random.js';
import { ArgumentError } from '../../../src/errors.js';
import {
  dequantise,
  digitSplits,
  downsampleLevels,
  logitLogDet,
  logitTransform,
  pixelNll,
  LOGIT_LAMBDA,
} from '../../../packages/cli/src/experiments/cnf/digits.js';
import { makeDataset } from '../../../packages/cli/src/experiments/cnf/data.js';
import { bitsPerDim } from '../../../packages/cli/src/experiments/cnf/summary.js';

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
const λ = LOGIT_LAMBDA;

test('downsampleLevels: 256-level integers averaged over 4×4 (7×7) or 2×2 (14×14) blocks, rounded back to 256 levels', () => {
  const image = new Float64Array(784);
  // the top-left 2×2 block: levels 0, 255, 100, 101 (stored as the package stores them, /255 to 3 decimals)
  [
    [0, 0, 0],
    [0, 1, 255],
    [1, 0, 100],
    [1, 1, 101],
  ].forEach(([r, c, k]) => (image[r * 28 + c] = Number((k / 255).toFixed(3))));
  image[27 * 28 + 27] = 1; // the bottom-right pixel
  const d14 = downsampleLevels(image, 14);
  assert.is(d14.length, 196);
  assert.is(d14[0], 114, '(0 + 255 + 100 + 101) / 4 = 114');
  assert.is(d14[195], 64, '255 / 4 = 63.75 → 64');
  const d7 = downsampleLevels(image, 7);
  assert.is(d7[0], 29, '456 / 16 = 28.5 → 29 (round half up)');
  assert.is(d7[48], 16, '255 / 16 = 15.9 → 16');
  assert.throws(
    () => downsampleLevels(image, 9 as 7),
    (e: Error) => e instanceof ArgumentError && e.message.startsWith('side:'),
  );
});

test('dequantise: x = (k + u)/256 with u ~ U[0, 1) from the Rng', () => {
  const levels = Uint8Array.from([0, 255, 128]);
  const u = new Rng(5);
  const expected = [0, 255, 128].map((k) => (k + u.uniform()) / 256);
  const x = dequantise(levels, new Rng(5));
  x.forEach((v, i) => close(v, expected[i]));
  assert.ok(x[1] < 1 && x[0] >= 0);
});

test('the logit transform y = logit(λ + (1 − 2λ)x) and its log-det, by hand and against a difference quotient', () => {
  const x = Float64Array.from([0.5, 0.75, 1 / 512]);
  const y = logitTransform(x);
  close(y[0], 0);
  const s = λ + (1 - 2 * λ) * 0.75;
  close(y[1], Math.log(s / (1 - s)));
  // at x = 1/2: dy/dx = (1 − 2λ) / (½ · ½)
  close(logitLogDet(y.subarray(0, 1), 1)[0], Math.log((1 - 2 * λ) * 4));
  // summed over a row: the three pixels' log dy/dx, each against central differences of the transform
  const h = 1e-7;
  const fd = [...x].reduce(
    (a, v) =>
      a + Math.log((logitTransform(Float64Array.of(v + h))[0] - logitTransform(Float64Array.of(v - h))[0]) / (2 * h)),
    0,
  );
  close(logitLogDet(y, 3)[0], fd, 1e-7);
});

test('pixelNll and bits/dim: uniform data on [0, 1]^D is 8 bits/dim; a hand-computed pixel', () => {
  // a flow whose density on y is the uniform density on x pushed through the logit: −log p(y) = log |dy/dx|
  const x = Float64Array.from([0.1, 0.6, 0.9, 0.3]);
  const y = logitTransform(x);
  const nllY = logitLogDet(y, 2);
  const nll = pixelNll(nllY, y, 2);
  nll.forEach((v) => close(bitsPerDim(v, 2), 8, 1e-12));
  // one pixel at x = 1/2 with −log p(y) = 1.5: 1.5 − log(4(1 − 2λ)) + ln 256 nats
  const one = pixelNll(Float64Array.of(1.5), Float64Array.of(0), 1)[0];
  close(one, 1.5 - Math.log(4 * (1 - 2 * λ)) + Math.log(256));
  close(bitsPerDim(one, 1), one / Math.LN2);
});

test('digitSplits: 7×7 points in logit space, held-out test images with fresh noise per copy, each point in its level cell', () => {
  const d = digitSplits(7, { train: 30, validation: 5, test: 4002 }, 0);
  assert.is(d.dim, 49);
  assert.is(d.train.length, 30 * 49);
  assert.is(d.validation.length, 5 * 49);
  const x = d.test.map((v) => (1 / (1 + Math.exp(-v)) - λ) / (1 - 2 * λ));
  const level = (i: number) => Array.from(x.subarray(i * 49, (i + 1) * 49), (v) => Math.floor(256 * v + 1e-9));
  assert.equal(level(2001), level(1), 'point 2001 is test image 1 again (2,000 test images)…');
  assert.not.equal([...x.subarray(2001 * 49, 2002 * 49)], [...x.subarray(49, 98)], '…with its own noise');
  assert.ok(x.every((v) => v >= 0 && v < 1));
  const data = makeDataset('digits7', 30, 10, 0, 5);
  assert.is(data.dim, 49);
  assert.is(data.trueTestNll, undefined, 'no true density for the digits');
  const reported = data.reportedNll!(new Float64Array(10), data.test);
  close(reported[0], pixelNll(new Float64Array(1), data.test.subarray(0, 49), 49)[0]);
});

test.run();
