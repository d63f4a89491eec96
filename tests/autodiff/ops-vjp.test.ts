// Every op's VJP (through the eager tape) against central finite differences in f64.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Tensor } from '../../src/runtime/tensor.js';
import { Rng } from '../../src/random.js';
import { Tape, type Var } from '../../src/autodiff/tape.js';
import { ops } from '../../src/autodiff/ops/index.js';
import { Parameter } from '../../src/autodiff/parameter.js';
import { ShapeError, ArgumentError } from '../../src/errors.js';
import { checkDirectional } from '../helpers/gradcheck.js';
import { randomArray } from '../helpers/numeric.js';

const rt = createRuntimeSync();
const { arena } = rt;

interface Case {
  name: string;
  /** input shapes and value ranges */
  inputs: { shape: [number, number]; low?: number; high?: number; constant?: boolean }[];
  apply: (tape: Tape, xs: Var[]) => Var;
}

const unary = (name: keyof typeof ops, low = -2, high = 2): Case => ({
  name,
  inputs: [{ shape: [3, 5], low, high }],
  apply: (t, [x]) => t.apply(ops[name], [x]),
});

const CASES: Case[] = [
  {
    name: 'linear',
    inputs: [{ shape: [4, 3] }, { shape: [5, 3] }, { shape: [1, 5] }],
    apply: (t, [x, w, b]) => t.linear(x, w, b),
  },
  { name: 'linear (no bias)', inputs: [{ shape: [1, 7] }, { shape: [2, 7] }], apply: (t, [x, w]) => t.linear(x, w) },
  { name: 'add', inputs: [{ shape: [3, 3] }, { shape: [3, 3] }], apply: (t, [a, b]) => t.add(a, b) },
  { name: 'sub', inputs: [{ shape: [3, 3] }, { shape: [3, 3] }], apply: (t, [a, b]) => t.sub(a, b) },
  { name: 'mul', inputs: [{ shape: [2, 7] }, { shape: [2, 7] }], apply: (t, [a, b]) => t.mul(a, b) },
  { name: 'affine', inputs: [{ shape: [2, 3] }], apply: (t, [x]) => t.affine(x, -1.5, 0.25) },
  {
    name: 'sliceCols',
    inputs: [{ shape: [3, 7] }],
    apply: (t, [x]) => t.apply(ops.sliceCols, [x], { start: 2, width: 3 }),
  },
  {
    name: 'broadcastRows',
    inputs: [{ shape: [1, 5] }, { shape: [4, 2], constant: true }],
    apply: (t, [r, like]) => t.apply(ops.broadcastRows, [r, like]),
  },
  { name: 'concatTime', inputs: [{ shape: [3, 2] }, { shape: [1, 1] }], apply: (t, [x, tt]) => t.concatTime(x, tt) },
  unary('square'),
  unary('tanh'),
  unary('sigmoid'),
  unary('softplus'),
  unary('relu'),
  unary('sin'),
  unary('cos'),
  unary('exp'),
  unary('log', 0.2, 3),
  unary('reciprocal', 0.5, 2),
  {
    name: 'reluMask',
    inputs: [{ shape: [3, 3] }, { shape: [3, 3], constant: true }],
    apply: (t, [x, r]) => t.reluMask(x, r),
  },
  { name: 'sum', inputs: [{ shape: [3, 7] }], apply: (t, [x]) => t.sum(x) },
  { name: 'mean', inputs: [{ shape: [3, 7] }], apply: (t, [x]) => t.mean(x) },
  { name: 'sumSquares', inputs: [{ shape: [3, 7] }], apply: (t, [x]) => t.sumSquares(x) },
  {
    name: 'softmaxCrossEntropy',
    inputs: [
      { shape: [4, 5], low: -3, high: 3 },
      { shape: [4, 5], low: 0, high: 1, constant: true },
    ],
    apply: (t, [l, y]) => t.softmaxCrossEntropy(l, y),
  },
  { name: 'mse', inputs: [{ shape: [3, 3] }, { shape: [3, 3] }], apply: (t, [a, b]) => t.mse(a, b) },
  {
    name: 'gaussianLogDensity',
    inputs: [{ shape: [2, 3] }, { shape: [2, 3] }, { shape: [2, 3], low: -1, high: 0.5 }],
    apply: (t, [x, m, s]) => t.gaussianLogDensity(x, m, s),
  },
];

for (const c of CASES) {
  test(`${c.name}: VJP matches central differences for every input`, () => {
    const rng = new Rng(c.name.length * 31 + 7);
    arena.scope(() => {
      const values = c.inputs.map((i) =>
        Tensor.from(arena, randomArray(rng, i.shape[0] * i.shape[1], i.low ?? -1, i.high ?? 1), ...i.shape),
      );
      const outShape = (() => {
        const tape = new Tape(rt);
        return c.apply(
          tape,
          values.map((v) => tape.constant(v)),
        ).shape;
      })();
      const weights = Tensor.from(arena, randomArray(rng, outShape[0] * outShape[1]), ...outShape);
      const w = weights.toFloat64Array();
      // L = ⟨w, op(inputs)⟩
      const loss = () =>
        arena.scope(() => {
          const tape = new Tape(rt);
          const y = c
            .apply(
              tape,
              values.map((v) => tape.constant(v)),
            )
            .value.asFloat64();
          return y.reduce((s, v, i) => s + v * w[i], 0);
        });
      const grads = arena.scope(() => {
        const tape = new Tape(rt);
        const vars = values.map((v, i) => (c.inputs[i].constant ? tape.constant(v) : tape.variable(v)));
        tape.backward(c.apply(tape, vars), weights);
        return vars.map((v) => v.grad?.toFloat64Array());
      });
      values.forEach((v, i) => {
        if (c.inputs[i].constant) return;
        checkDirectional(`${c.name} input ${i}`, loss, v, grads[i]!, rng);
      });
    });
  });
}

test('gradients accumulate into parameters and into leaves shared by several ops', () => {
  const rng = new Rng(99);
  const p = Parameter.zeros(rt, 'w', 2, 3);
  p.value.copyFrom(randomArray(rng, 6));
  arena.scope(() => {
    const x = Tensor.from(arena, randomArray(rng, 6), 2, 3);
    for (let pass = 1; pass <= 2; pass++) {
      const tape = new Tape(rt);
      const xv = tape.variable(x);
      const wv = tape.parameter(p);
      // L = Σ (x·w + x)  → ∂L/∂x = w + 1, ∂L/∂w = x (accumulated over passes)
      tape.backward(tape.sum(tape.add(tape.mul(xv, wv), xv)));
      assert.equal(
        Array.from(xv.grad!.data),
        Array.from(p.value.data).map((v) => v + 1),
      );
      assert.equal(
        Array.from(p.grad.data),
        Array.from(x.data).map((v) => pass * v),
      );
    }
  });
});

test("a second backward on the same tape adds only the new root's gradient (intermediate cotangents start from zero)", () => {
  arena.scope(() => {
    const tape = new Tape(rt);
    const x = tape.variable(Tensor.from(arena, [2, -0.5], 1, 2));
    const y = tape.square(x); // ∂y/∂x = 2x
    tape.backward(tape.sum(y)); // ∂/∂x Σ x² = 2x
    assert.equal(Array.from(x.grad!.data), [4, -1]);
    tape.backward(tape.sum(tape.affine(y, 3))); // adds ∂/∂x Σ 3x² = 6x
    assert.equal(Array.from(x.grad!.data), [16, -4]);
    const s = tape.variable(Tensor.from(arena, [5], 1, 1));
    tape.backward(tape.square(s)); // 2s = 10
    tape.backward(s, 0.5); // a leaf as the root: its seed is added too
    tape.backward(s, Tensor.from(arena, [0.25], 1, 1));
    assert.equal(Array.from(s.grad!.data), [10.75]);
  });
});

test('shape mismatches and bad seeds are typed errors that name the op', () => {
  arena.scope(() => {
    const tape = new Tape(rt);
    const a = tape.variable(Tensor.zeros(arena, 2, 3));
    const b = tape.variable(Tensor.zeros(arena, 3, 2));
    assert.throws(
      () => tape.add(a, b),
      (e: Error) => e instanceof ShapeError && /add/.test(e.message),
    );
    assert.throws(
      () => tape.linear(a, b),
      (e: Error) => e instanceof ShapeError && /linear/.test(e.message),
    );
    assert.throws(
      () => tape.concatTime(a, b),
      (e: Error) => e instanceof ShapeError && /time/.test(e.message),
    );
    assert.throws(
      () => tape.apply(ops.add, [a]),
      (e: Error) => e instanceof ArgumentError,
    );
    assert.throws(
      () => tape.backward(tape.tanh(a)),
      (e: Error) => e instanceof ArgumentError && /seed/.test(e.message),
    );
    assert.throws(
      () => tape.backward(tape.constant(Tensor.zeros(arena, 1, 1))),
      (e: Error) => e instanceof ArgumentError,
    );
  });
});

test.run();
