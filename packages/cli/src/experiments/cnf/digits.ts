// Real digits for density estimation, FFJORD's MNIST pipeline at reduced resolution: the `mnist`
// package's 28×28 greyscale digits, area-averaged to side×side (7×7 or 14×14) and requantised to 256
// levels (so the data stay discrete, as the original), dequantised with uniform noise x = (k + u)/256,
// and logit-transformed as FFJORD does: y = logit(λ + (1 − 2λ)·x) with λ = 1e-6. The flow models y;
// its NLL is reported in the pixel space [0, 256)^D, i.e. with the logit's log-det Jacobian and the
// 256-level dequantisation's D·ln 256 added, which is the NLL of the discrete data bounded from above
// (Theis et al.), and bits/dim = that NLL / (D ln 2).
import { ArgumentError, Rng } from 'taynode';
import { loadMnistClasses, splitMnist, PIXELS } from '../mnist/data.js';

/** FFJORD's logit margin α (its `--alpha`, 1e-6 on MNIST). */
export const LOGIT_LAMBDA = 1e-6;
export const DIGIT_SIDES = [7, 14] as const;
export type DigitSide = (typeof DIGIT_SIDES)[number];
/** images held out for the test points, and for the validation points (of the package's 10,000) */
export const DIGIT_TEST_IMAGES = 2000;
export const DIGIT_VALIDATION_IMAGES = 1000;

/** 256-level integers (round(255·v)) of 28×28 images in [0, 1], area-averaged to side×side and rounded back to 256 levels. */
export function downsampleLevels(images: Float64Array, side: DigitSide): Uint8Array {
  if (!DIGIT_SIDES.includes(side)) throw new ArgumentError('side', `one of ${DIGIT_SIDES.join(', ')}`, side);
  if (images.length % PIXELS !== 0)
    throw new ArgumentError('images', `a multiple of ${PIXELS} values (28×28 images)`, images.length);
  const n = images.length / PIXELS,
    f = 28 / side,
    D = side * side;
  const out = new Uint8Array(n * D);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < side; r++) {
      for (let c = 0; c < side; c++) {
        let sum = 0;
        for (let a = 0; a < f; a++)
          for (let b = 0; b < f; b++) sum += Math.round(255 * images[i * PIXELS + (r * f + a) * 28 + c * f + b]);
        out[i * D + r * side + c] = Math.round(sum / (f * f));
      }
    }
  }
  return out;
}

/** x = (k + u)/256 with u ~ U[0, 1) from `rng`: a point of the level's cell of [0, 1). */
export function dequantise(levels: Uint8Array, rng: Rng): Float64Array {
  return Float64Array.from(levels, (k) => (k + rng.uniform()) / 256);
}

/** FFJORD's y = logit(λ + (1 − 2λ)·x), elementwise. */
export function logitTransform(x: Float64Array, lambda = LOGIT_LAMBDA): Float64Array {
  return x.map((v) => {
    const s = lambda + (1 - 2 * lambda) * v;
    return Math.log(s) - Math.log1p(-s);
  });
}

/**
 * log |dy/dx| of each row of y (the logit transform's log-det Jacobian, summed over the row's `dim`
 * values): dy/dx = (1 − 2λ) / (s(1 − s)) with s = sigmoid(y) = λ + (1 − 2λ)x, and −log s − log(1 − s) =
 * softplus(−y) + softplus(y), computed from y so that it stays exact for saturated pixels.
 */
export function logitLogDet(y: Float64Array, dim: number, lambda = LOGIT_LAMBDA): Float64Array {
  const n = y.length / dim,
    out = new Float64Array(n),
    c = Math.log1p(-2 * lambda);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) {
      const v = y[i * dim + d];
      s += c + softplus(v) + softplus(-v);
    }
    out[i] = s;
  }
  return out;
}

const softplus = (v: number): number => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)));

/**
 * Per example, −log p in nats of the pixel space [0, 256)^D from the flow's −log p(y): −log p(x) =
 * −log p(y) − log |dy/dx|, and x = level/256 adds D·ln 256. bits/dim = this / (D ln 2).
 */
export function pixelNll(nllY: Float64Array, y: Float64Array, dim: number, lambda = LOGIT_LAMBDA): Float64Array {
  const logDet = logitLogDet(y, dim, lambda);
  return nllY.map((v, i) => v - logDet[i] + dim * Math.log(256));
}

export interface DigitSplits {
  train: Float64Array;
  validation: Float64Array;
  test: Float64Array;
  dim: number;
}

let cached: { train: Float64Array; test: Float64Array } | undefined;

/**
 * The digits' train, validation and test points in logit space: the package's 10,000 images split
 * (stratified, seeded) into 2,000 test images, 1,000 validation images and 7,000 training images.
 * Each split has `n` points: its images in turn, each copy with its own dequantisation noise (there
 * are only 2,000 test images, so 10,000 test points are 5 noise draws of each).
 */
export function digitSplits(
  side: DigitSide,
  sizes: { train: number; validation: number; test: number },
  seed: number,
): DigitSplits {
  cached ??= (() => {
    const s = splitMnist(loadMnistClasses(), { total: 10000, testFraction: DIGIT_TEST_IMAGES / 10000, seed: 0 });
    return { train: s.trainImages, test: s.testImages };
  })();
  const D = side * side;
  const trainLevels = downsampleLevels(cached.train, side),
    testLevels = downsampleLevels(cached.test, side);
  const nTrainImages = trainLevels.length / D - DIGIT_VALIDATION_IMAGES;
  const points = (levels: Uint8Array, first: number, count: number, n: number, rng: Rng) => {
    const picked = new Uint8Array(n * D);
    for (let i = 0; i < n; i++)
      picked.set(levels.subarray((first + (i % count)) * D, (first + (i % count) + 1) * D), i * D);
    return logitTransform(dequantise(picked, rng));
  };
  return {
    dim: D,
    train: points(trainLevels, 0, nTrainImages, sizes.train, new Rng(seed + 101)),
    validation: points(trainLevels, nTrainImages, DIGIT_VALIDATION_IMAGES, sizes.validation, new Rng(seed + 303)),
    test: points(testLevels, 0, testLevels.length / D, sizes.test, new Rng(seed + 202)),
  };
}
