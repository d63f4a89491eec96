// add, sub, mul, scale, axpy, fill, copy against plain loops on awkward sizes, aligned and misaligned,
// with guards around the output.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { AWKWARD_SIZES, assertClose, randomArray } from '../helpers/numeric.js';
import { ALIGNMENTS, place } from './placement.js';

const rt = createRuntimeSync();
const k = rt.kernels;

const binary: [string, (out: number, a: number, b: number, n: number) => void, (a: number, b: number) => number][] = [
  ['add', k.add, (a, b) => a + b],
  ['sub', k.sub, (a, b) => a - b],
  ['mul', k.mul, (a, b) => a * b],
];

for (const [name, kernel, op] of binary) {
  test(`${name} matches a plain loop`, () => {
    const rng = new Rng(11);
    for (const n of AWKWARD_SIZES)
      for (const misalign of ALIGNMENTS)
        rt.arena.scope(() => {
          const a = randomArray(rng, n),
            b = randomArray(rng, n);
          const A = place(rt, a, misalign),
            B = place(rt, b, misalign),
            out = place(rt, randomArray(rng, n), misalign);
          kernel(out.ptr, A.ptr, B.ptr, n);
          assertClose(
            out.read(),
            a.map((x, i) => op(x, b[i])),
            1e-12,
            `${name} n=${n}`,
          );
          out.checkGuards(`${name} n=${n} misalign=${misalign}`);
        });
  });
}

test('scale, axpy, fill, copy match plain loops', () => {
  const rng = new Rng(12);
  for (const n of AWKWARD_SIZES)
    for (const misalign of ALIGNMENTS)
      rt.arena.scope(() => {
        const a = randomArray(rng, n),
          y = randomArray(rng, n);
        const s = rng.uniformIn(-3, 3);
        const A = place(rt, a, misalign);
        const out = place(rt, new Float64Array(n), misalign);
        const what = `n=${n} misalign=${misalign}`;
        k.scale(out.ptr, A.ptr, s, n);
        assertClose(
          out.read(),
          a.map((x) => s * x),
          1e-12,
          `scale ${what}`,
        );
        out.checkGuards(`scale ${what}`);
        const Y = place(rt, y, (8 - misalign) as 0 | 8);
        k.axpy(Y.ptr, s, A.ptr, n);
        assertClose(
          Y.read(),
          y.map((v, i) => v + s * a[i]),
          1e-12,
          `axpy ${what}`,
        );
        Y.checkGuards(`axpy ${what}`);
        k.fill(out.ptr, s, n);
        assert.ok(
          out.read().every((v) => v === s),
          `fill ${what}`,
        );
        out.checkGuards(`fill ${what}`);
        k.copy(out.ptr, A.ptr, n);
        assert.equal(out.read(), a, `copy ${what}`);
        out.checkGuards(`copy ${what}`);
      });
});

test('in place: out may alias an input', () => {
  const rng = new Rng(13);
  const a = randomArray(rng, 7),
    b = randomArray(rng, 7);
  const A = place(rt, a, 8),
    B = place(rt, b, 8);
  k.add(A.ptr, A.ptr, B.ptr, 7);
  assertClose(
    A.read(),
    a.map((x, i) => x + b[i]),
    1e-15,
    'add in place',
  );
  k.scale(B.ptr, B.ptr, -2, 7);
  assertClose(
    B.read(),
    b.map((x) => -2 * x),
    1e-15,
    'scale in place',
  );
});

test.run();
