// Every op in an f32 runtime against the same op in an f64 runtime, on the same inputs (drawn once and
// rounded to f32, so only the op's own arithmetic differs): forward, vjp, and Taylor mode (taylor at
// orders 0..3, then taylorVjp at 3..0). Tolerance: each output array agrees to 1e-6 of its largest
// magnitude (f32 epsilon 6e-8 times a few roundings; measured at most ~1.4e-7 on these draws). The gradients
// themselves are checked against finite differences in f64 (ops-vjp.test.ts, taylor tests).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync, type Runtime } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { ops } from '../../src/autodiff/ops/index.js';
import { sizeOf, type Op, type Shape, type Site } from '../../src/autodiff/op.js';
import { relativeError } from '../helpers/numeric.js';

const rt64 = createRuntimeSync();
const rt32 = createRuntimeSync({ dtype: 'float32' });
const K = 3;
const TOLERANCE = 1e-6;

interface Case {
  shapes: Shape[];
  attrs?: Record<string, number>;
  /** value range of each input (default [-1.5, 1.5]) */
  ranges?: ([number, number] | undefined)[];
  /** inputs that receive no gradient (targets, shape donors, masks) */
  noGrad?: number[];
}

const unary = (low = -1.5, high = 1.5): Case => ({ shapes: [[3, 5]], ranges: [[low, high]] });

const CASES: Record<keyof typeof ops, Case> = {
  linear: {
    shapes: [
      [4, 3],
      [5, 3],
      [1, 5],
    ],
  },
  add: {
    shapes: [
      [3, 3],
      [3, 3],
    ],
  },
  sub: {
    shapes: [
      [3, 3],
      [3, 3],
    ],
  },
  mul: {
    shapes: [
      [2, 7],
      [2, 7],
    ],
  },
  square: unary(),
  affine: { shapes: [[2, 3]], attrs: { scale: -1.5, shift: 0.25 } },
  concatTime: {
    shapes: [
      [3, 2],
      [1, 1],
    ],
  },
  sliceCols: { shapes: [[3, 7]], attrs: { start: 2, width: 3 } },
  broadcastRows: {
    shapes: [
      [1, 5],
      [4, 2],
    ],
    noGrad: [1],
  },
  tanh: unary(),
  sigmoid: unary(),
  softplus: unary(),
  relu: unary(),
  sin: unary(),
  cos: unary(),
  exp: unary(),
  log: unary(0.2, 3),
  reluMask: {
    shapes: [
      [3, 3],
      [3, 3],
    ],
    noGrad: [1],
  },
  reciprocal: unary(0.5, 2),
  sum: { shapes: [[3, 7]] },
  mean: { shapes: [[3, 7]] },
  sumSquares: { shapes: [[3, 7]] },
  softmaxCrossEntropy: {
    shapes: [
      [4, 5],
      [4, 5],
    ],
    ranges: [
      [-3, 3],
      [0, 1],
    ],
    noGrad: [1],
  },
  mse: {
    shapes: [
      [3, 3],
      [3, 3],
    ],
  },
  gaussianLogDensity: {
    shapes: [
      [2, 3],
      [2, 3],
      [2, 3],
    ],
    ranges: [undefined, undefined, [-1, 0.5]],
  },
};

/** Inputs and seeds, drawn in f64 and rounded to f32 so both runtimes start from identical values. */
interface Draw {
  /** per input: its value (plain mode) or its K+1 jet coefficients (Taylor mode; constants: the value) */
  inputs: Float64Array[];
  /** the output's cotangent (plain) or cotangent jet (Taylor) */
  gy: Float64Array;
}

function draw(op: Op, c: Case, taylor: boolean, seed: number): Draw {
  const rng = new Rng(seed);
  const constant = new Set(op.constantInputs ?? []);
  const out = op.shape(c.shapes, c.attrs ?? {});
  const values = (n: number, [low, high]: [number, number]) =>
    Float64Array.from({ length: n }, () => Math.fround(rng.uniformIn(low, high)));
  const inputs = c.shapes.map((shape, i) => {
    const range = c.ranges?.[i] ?? [-1.5, 1.5];
    const n = sizeOf(shape);
    if (!taylor || constant.has(i)) return values(n, range);
    // Order 0 in the op's domain; higher coefficients of either sign (a jet along some curve).
    const jet = new Float64Array((K + 1) * n);
    jet.set(values(n, range));
    jet.set(values(K * n, [-1, 1]), n);
    return jet;
  });
  return { inputs, gy: values((taylor ? K + 1 : 1) * sizeOf(out), [-1, 1]) };
}

interface Outcome {
  y: Float64Array;
  aux: Float64Array[];
  gx: Float64Array[];
}

/** One application of `op` in `rt` (plain: forward then vjp; Taylor: orders 0..K then their reverse). */
function run(rt: Runtime, op: Op, c: Case, d: Draw, taylor: boolean): Outcome {
  const { arena, kernels } = rt;
  return arena.scope(() => {
    const attrs = c.attrs ?? {};
    const out = op.shape(c.shapes, attrs);
    const slabs = taylor ? K + 1 : 1;
    const constant = new Set(op.constantInputs ?? []);
    const put = (values: Float64Array) => {
      const ptr = arena.alloc(values.length);
      arena.write(ptr, values);
      return ptr;
    };
    const auxCount = taylor ? (op.taylorAux ?? 0) : 0;
    const site: Site = {
      inShapes: c.shapes,
      rows: out[0],
      cols: out[1],
      attrs,
      x: d.inputs.map(put),
      y: arena.allocZeroed(slabs * sizeOf(out)),
      saved: 0,
      gx: [],
      gy: 0,
      tmp: arena.allocZeroed(Math.max(sizeOf(out), ...c.shapes.map(sizeOf))),
      aux: Array.from({ length: auxCount }, () => arena.allocZeroed(slabs * sizeOf(out))),
      gaux: [],
    };
    const saved = op.saved?.(site) ?? 0;
    if (saved > 0) site.saved = arena.allocZeroed(saved);
    if (taylor) for (let k = 0; k <= K; k++) op.taylor!(kernels, site, k);
    else op.forward(kernels, site);
    site.gy = put(d.gy);
    site.gx = c.shapes.map((shape, i) =>
      c.noGrad?.includes(i) ? 0 : arena.allocZeroed((taylor && !constant.has(i) ? slabs : 1) * sizeOf(shape)),
    );
    site.gaux = site.aux.map(() => arena.allocZeroed(slabs * sizeOf(out)));
    if (taylor) for (let k = K; k >= 0; k--) op.taylorVjp!(kernels, site, k);
    else op.vjp(kernels, site);
    return {
      y: arena.read(site.y, slabs * sizeOf(out)),
      aux: site.aux.map((p) => arena.read(p, slabs * sizeOf(out))),
      gx: site.gx.map((p, i) =>
        p ? arena.read(p, (taylor && !constant.has(i) ? slabs : 1) * sizeOf(c.shapes[i])) : new Float64Array(0),
      ),
    };
  });
}

function assertAgree(a: Outcome, b: Outcome, what: string): void {
  const check = (x: Float64Array, y: Float64Array, name: string) => {
    const err = relativeError(x, y);
    assert.ok(err <= TOLERANCE, `${what} ${name}: f32 vs f64 relative error ${err.toExponential(2)} > ${TOLERANCE}`);
  };
  check(a.y, b.y, 'output');
  a.aux.forEach((x, i) => check(x, b.aux[i], `aux ${i}`));
  a.gx.forEach((x, i) => check(x, b.gx[i], `cotangent of input ${i}`));
}

test('every op in the registry has an f32 case', () => {
  assert.equal(Object.keys(CASES).sort(), Object.keys(ops).sort());
});

for (const [name, c] of Object.entries(CASES) as [keyof typeof ops, Case][]) {
  const op: Op = ops[name];
  test(`${name}: forward and vjp in f32 agree with f64`, () => {
    const d = draw(op, c, false, 11);
    const r32 = run(rt32, op, c, d, false);
    const r64 = run(rt64, op, c, d, false);
    assertAgree(r32, r64, name);
    assert.ok(
      r64.y.some((v) => v !== 0),
      'a nonzero output (the comparison can fail)',
    );
  });
  if (op.taylor) {
    test(`${name}: taylor and taylorVjp at orders 0..${K} in f32 agree with f64`, () => {
      const d = draw(op, c, true, 12);
      const r32 = run(rt32, op, c, d, true);
      const r64 = run(rt64, op, c, d, true);
      assertAgree(r32, r64, name);
      const n = r64.y.length / (K + 1);
      assert.ok(
        r64.y.subarray(K * n).some((v) => v !== 0),
        `a nonzero order-${K} coefficient`,
      );
    });
  }
}

test.run();
