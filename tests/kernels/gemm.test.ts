// The three GEMM variants against a plain triple loop: every flag combination, awkward and rectangular
// shapes (k = 300 crosses the kernel's 256-long chunks of the shared dimension), aligned and misaligned
// operands, and guards around C.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { AWKWARD_SIZES, assertClose, randomArray } from '../helpers/numeric.js';
import { place } from './placement.js';

type Variant = 'gemm_nn' | 'gemm_nt' | 'gemm_tn';
const VARIANTS: Variant[] = ['gemm_nn', 'gemm_nt', 'gemm_tn'];

/** C (+)= op(A)·op(B) (+ bias) with A, B stored as the variant says. */
function reference(
  variant: Variant,
  c0: Float64Array,
  a: Float64Array,
  b: Float64Array,
  bias: Float64Array | null,
  m: number,
  n: number,
  k: number,
  accumulate: boolean,
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = accumulate ? c0[i * n + j] : 0;
      if (bias) s += bias[j];
      for (let p = 0; p < k; p++) {
        const aip = variant === 'gemm_tn' ? a[p * m + i] : a[i * k + p];
        const bpj = variant === 'gemm_nt' ? b[j * k + p] : b[p * n + j];
        s += aip * bpj;
      }
      c[i * n + j] = s;
    }
  }
  return c;
}

function check(
  rng: Rng,
  variant: Variant,
  m: number,
  n: number,
  k: number,
  hasBias: boolean,
  accumulate: boolean,
  misalign: 0 | 8,
): void {
  const rt = createRuntimeSync();
  const a = randomArray(rng, m * k),
    b = randomArray(rng, k * n),
    c0 = randomArray(rng, m * n),
    bias = randomArray(rng, n);
  const A = place(rt, a, misalign);
  const B = place(rt, b, (8 - misalign) as 0 | 8);
  const C = place(rt, c0, misalign);
  const Bias = place(rt, bias, misalign);
  rt.kernels[variant](C.ptr, A.ptr, B.ptr, hasBias ? Bias.ptr : 0, m, n, k, accumulate ? 1 : 0);
  const what = `${variant} m=${m} n=${n} k=${k} bias=${hasBias} accumulate=${accumulate} misalign=${misalign}`;
  assertClose(
    C.read(),
    reference(variant, c0, a, b, hasBias ? bias : null, m, n, k, accumulate),
    1e-12 * Math.max(1, k),
    what,
  );
  C.checkGuards(what);
  assert.equal(A.read(), a, `${what}: A unchanged`);
  assert.equal(B.read(), b, `${what}: B unchanged`);
}

const FLAGS: [boolean, boolean][] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];
const SMALL = [1, 2, 3, 4, 5, 7, 8];

test('every small shape, every flag combination, all three variants', () => {
  const rng = new Rng(1);
  let count = 0;
  for (const variant of VARIANTS)
    for (const m of SMALL)
      for (const n of SMALL)
        for (const k of SMALL) {
          const [hasBias, accumulate] = FLAGS[count % 4];
          check(rng, variant, m, n, k, hasBias, accumulate, count % 3 === 0 ? 8 : 0);
          count++;
        }
});

test('rectangular shapes from the awkward sizes, sampled', () => {
  const rng = new Rng(2);
  const shapes: [number, number, number][] = [
    [64, 64, 64],
    [129, 7, 300],
    [3, 300, 129],
    [300, 129, 3],
    [7, 3, 300],
    [1, 300, 7],
    [300, 1, 64],
  ];
  for (let s = 0; s < 12; s++)
    shapes.push([0, 0, 0].map(() => AWKWARD_SIZES[rng.int(AWKWARD_SIZES.length)]) as [number, number, number]);
  for (const variant of VARIANTS) {
    shapes.forEach(([m, n, k], s) => {
      for (const [hasBias, accumulate] of FLAGS) check(rng, variant, m, n, k, hasBias, accumulate, s % 2 ? 8 : 0);
    });
  }
});

test('k = 0 leaves C as bias (or zero, or unchanged when accumulating)', () => {
  const rt = createRuntimeSync();
  for (const variant of VARIANTS) {
    const C = place(rt, [9, 9, 9, 9, 9, 9]);
    const bias = place(rt, [1, 2, 3]);
    rt.kernels[variant](C.ptr, 0, 0, bias.ptr, 2, 3, 0, 0);
    assert.equal(Array.from(C.read()), [1, 2, 3, 1, 2, 3], `${variant} bias`);
    rt.kernels[variant](C.ptr, 0, 0, 0, 2, 3, 0, 1);
    assert.equal(Array.from(C.read()), [1, 2, 3, 1, 2, 3], `${variant} accumulate`);
    rt.kernels[variant](C.ptr, 0, 0, 0, 2, 3, 0, 0);
    assert.equal(Array.from(C.read()), [0, 0, 0, 0, 0, 0], `${variant} zero`);
    C.checkGuards(variant);
  }
});

test('a known product, so the reference itself is checked', () => {
  const rt = createRuntimeSync();
  // A = [[1, 2], [3, 4]], B = [[5, 6], [7, 8]]: A·B = [[19, 22], [43, 50]], A·Bᵀ = [[17, 23], [39, 53]], Aᵀ·B = [[26, 30], [38, 44]]
  const expected: Record<Variant, number[]> = {
    gemm_nn: [19, 22, 43, 50],
    gemm_nt: [17, 23, 39, 53],
    gemm_tn: [26, 30, 38, 44],
  };
  for (const variant of VARIANTS) {
    const a = new Float64Array([1, 2, 3, 4]),
      b = new Float64Array([5, 6, 7, 8]);
    assert.equal(Array.from(reference(variant, new Float64Array(4), a, b, null, 2, 2, 2, false)), expected[variant]);
    const A = place(rt, a),
      B = place(rt, b),
      C = place(rt, [0, 0, 0, 0]);
    rt.kernels[variant](C.ptr, A.ptr, B.ptr, 0, 2, 2, 2, 0);
    assert.equal(Array.from(C.read()), expected[variant], variant);
  }
});

test.run();
