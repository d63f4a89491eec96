// The f32 GEMM variants against a plain loop over the same f32 inputs summed in f64: awkward and
// rectangular shapes (k = 300 crosses the 256-long chunks; n = 1…9 every ragged last panel), every flag
// combination, misaligned operands, guards around C. Bound per element: (k + 2)·2⁻²⁴·Σ|terms| (f32 sums).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { AWKWARD_SIZES } from '../helpers/numeric.js';
import { MISALIGNMENTS_F32, placeF32, randomF32 } from './placement-f32.js';

type Variant = 'gemm_nn_f32' | 'gemm_nt_f32' | 'gemm_tn_f32';
const VARIANTS: Variant[] = ['gemm_nn_f32', 'gemm_nt_f32', 'gemm_tn_f32'];
const EPS32 = 2 ** -24;

function check(
  rng: Rng,
  variant: Variant,
  m: number,
  n: number,
  k: number,
  hasBias: boolean,
  accumulate: boolean,
  s: number,
): void {
  const rt = createRuntimeSync();
  const a = randomF32(rng, m * k),
    b = randomF32(rng, k * n),
    c0 = randomF32(rng, m * n),
    bias = randomF32(rng, n);
  const mis = (i: number) => MISALIGNMENTS_F32[(s + i) % 4];
  const A = placeF32(rt, a, mis(0)),
    B = placeF32(rt, b, mis(1)),
    C = placeF32(rt, c0, mis(2)),
    Bias = placeF32(rt, bias, mis(3));
  rt.kernels[variant](C.ptr, A.ptr, B.ptr, hasBias ? Bias.ptr : 0, m, n, k, accumulate ? 1 : 0);
  const what = `${variant} m=${m} n=${n} k=${k} bias=${hasBias} accumulate=${accumulate}`;
  const c = C.read();
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let sum = (accumulate ? c0[i * n + j] : 0) + (hasBias ? bias[j] : 0);
      let mag = (accumulate ? Math.abs(c0[i * n + j]) : 0) + (hasBias ? Math.abs(bias[j]) : 0);
      for (let p = 0; p < k; p++) {
        const t =
          (variant === 'gemm_tn_f32' ? a[p * m + i] : a[i * k + p]) *
          (variant === 'gemm_nt_f32' ? b[j * k + p] : b[p * n + j]);
        sum += t;
        mag += Math.abs(t);
      }
      const err = Math.abs(c[i * n + j] - sum);
      assert.ok(
        err <= (k + 2) * EPS32 * mag + 1e-30,
        `${what} C[${i},${j}] = ${c[i * n + j]}, expected ${sum} (error ${err.toExponential(2)})`,
      );
    }
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
const SMALL = [1, 2, 3, 4, 5, 8, 9];

test('f32: every small shape, every flag combination, all three variants', () => {
  const rng = new Rng(41);
  let count = 0;
  for (const variant of VARIANTS)
    for (const m of SMALL)
      for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9])
        for (const k of SMALL) {
          const [hasBias, accumulate] = FLAGS[count % 4];
          check(rng, variant, m, n, k, hasBias, accumulate, count);
          count++;
        }
});

test('f32: rectangular shapes from the awkward sizes', () => {
  const rng = new Rng(42);
  const shapes: [number, number, number][] = [
    [64, 64, 64],
    [129, 7, 300],
    [3, 300, 129],
    [300, 129, 3],
    [7, 3, 300],
    [1, 300, 7],
    [300, 1, 64],
    [13, 17, 257],
  ];
  for (let s = 0; s < 8; s++)
    shapes.push([0, 0, 0].map(() => AWKWARD_SIZES[rng.int(AWKWARD_SIZES.length)]) as [number, number, number]);
  for (const variant of VARIANTS)
    shapes.forEach(([m, n, k], s) => {
      for (const [hasBias, accumulate] of FLAGS) check(rng, variant, m, n, k, hasBias, accumulate, s);
    });
});

test('f32: k = 0 leaves C as bias (or zero, or unchanged when accumulating)', () => {
  const rt = createRuntimeSync();
  for (const variant of VARIANTS) {
    const C = placeF32(rt, [9, 9, 9, 9, 9, 9]);
    const bias = placeF32(rt, [1, 2, 3]);
    rt.kernels[variant](C.ptr, 0, 0, bias.ptr, 2, 3, 0, 0);
    assert.equal(Array.from(C.read()), [1, 2, 3, 1, 2, 3], `${variant} bias`);
    rt.kernels[variant](C.ptr, 0, 0, 0, 2, 3, 0, 1);
    assert.equal(Array.from(C.read()), [1, 2, 3, 1, 2, 3], `${variant} accumulate`);
    rt.kernels[variant](C.ptr, 0, 0, 0, 2, 3, 0, 0);
    assert.equal(Array.from(C.read()), [0, 0, 0, 0, 0, 0], `${variant} zero`);
  }
});

test.run();
