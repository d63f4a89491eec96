// Solution derivatives z[1..K] of z' = f(z, t) by the one-order-at-a-time recursion, against closed
// forms up to K = 8 (relative error ≤ 1e-10).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Tensor } from '../../src/runtime/tensor.js';
import { GraphBuilder, type Graph } from '../../src/autodiff/graph.js';
import { Parameter } from '../../src/autodiff/parameter.js';
import { JetProgram } from '../../src/taylor/jet-program.js';
import { factorial, solutionJet, solutionJetVjp } from '../../src/taylor/solution.js';
import { ArgumentError, TaynodeError } from '../../src/errors.js';
import { mlpDynamics } from '../../src/nn/mlp.js';
import { Rng } from '../../src/random.js';
import type { Kernels } from '../../src/runtime/kernels.js';
import { assertClose } from '../helpers/numeric.js';

const rt = createRuntimeSync();
const { arena } = rt;
const K = 8;
const Z0 = [0.3, -0.45, 0.7, 0.05, -0.2];

/** z[1..K] for every initial value (rows of a [batch, 1] state). */
function coefficients(graph: Graph, t: number, z0: number[]): number[][] {
  return arena.scope(() => {
    const prog = new JetProgram(rt, graph, z0.length, K);
    const z = Tensor.from(arena, z0, z0.length, 1);
    solutionJet(prog, t, z.offset, K);
    return z0.map((_, i) => Array.from({ length: K }, (_, k) => arena.f64[prog.state(k + 1) / 8 + i]));
  });
}

function check(graph: Graph, t: number, closed: (z0: number, k: number) => number): void {
  const got = coefficients(graph, t, Z0);
  Z0.forEach((z0, i) => {
    for (let k = 1; k <= K; k++) assertClose([got[i][k - 1]], [closed(z0, k)], 1e-10, `z0 = ${z0}, k = ${k}`);
  });
}

test("z' = z²: z(t) = z0/(1 − z0·t), so z[k] = z0^(k+1)", () => {
  const g = new GraphBuilder(1);
  check(g.build(g.square(g.state)), 0, (z0, k) => z0 ** (k + 1));
});

test("z' = −z: z[k] = z0·(−1)^k / k!", () => {
  const g = new GraphBuilder(1);
  check(g.build(g.affine(g.state, -1)), 0, (z0, k) => (z0 * (-1) ** k) / factorial(k));
});

test("z' = 1 + z²: z = tan(t + atan z0), whose derivatives are polynomials in tan", () => {
  const g = new GraphBuilder(1);
  // d/dt P(T) = P'(T)·(1 + T²): P_0 = T, P_{k+1} = P_k'·(1 + T²), coefficients as arrays (exact integers).
  const polys: number[][] = [[0, 1]];
  for (let k = 1; k <= K; k++) {
    const p = polys[k - 1];
    const dp = p.slice(1).map((c, i) => c * (i + 1));
    const next = new Array(dp.length + 2).fill(0);
    dp.forEach((c, i) => {
      next[i] += c;
      next[i + 2] += c;
    });
    polys.push(next);
  }
  const evaluate = (p: number[], x: number) => p.reduceRight((acc, c) => acc * x + c, 0);
  check(g.build(g.affine(g.square(g.state), 1, 1)), 0, (z0, k) => evaluate(polys[k], z0) / factorial(k));
});

/** A 1×2 linear layer with fixed weights. */
function fixedLinear(w: number[], b: number): [Parameter, Parameter] {
  const W = Parameter.zeros(rt, 'W', 1, 2);
  const B = Parameter.zeros(rt, 'b', 1, 1);
  W.value.copyFrom(w);
  B.value.copyFrom([b]);
  return [W, B];
}

test("time-dependent, linear: z' = a·z + c·t + d from t0 = 0.4", () => {
  const [a, c, d, t0] = [-0.8, 1.3, 0.5, 0.4];
  const g = new GraphBuilder(1);
  const [W, B] = fixedLinear([a, c], d);
  // z(t) = A·e^{a(t−t0)} − (c·t + d)/a − c/a², A = z0 + (c·t0 + d)/a + c/a²
  check(g.build(g.linear(g.concatTime(g.state), W, B)), t0, (z0, k) => {
    const A = z0 + (c * t0 + d) / a + c / a ** 2;
    return (A * a ** k) / factorial(k) - (k === 1 ? c / a : 0);
  });
});

test("time-dependent, nonlinear: z' = sin(t) from t0 = 0.9, z[k] = −cos^(k)(t0)/k!", () => {
  const t0 = 0.9;
  const g = new GraphBuilder(1);
  const [W, B] = fixedLinear([0, 1], 0); // picks out the time column
  const cosDerivative = (k: number) =>
    [Math.cos, (x: number) => -Math.sin(x), (x: number) => -Math.cos(x), Math.sin][k % 4](t0);
  check(g.build(g.unary('sin', g.linear(g.concatTime(g.state), W, B))), t0, (_, k) => -cosDerivative(k) / factorial(k));
});

test('orders beyond the compiled maximum are refused with a clear error', () => {
  const g = new GraphBuilder(1);
  const graph = g.build(g.square(g.state));
  arena.scope(() => {
    const prog = new JetProgram(rt, graph, 1, 3);
    const z = Tensor.from(arena, [1], 1, 1);
    assert.throws(
      () => solutionJet(prog, 0, z.offset, 4),
      (e: Error) => e instanceof ArgumentError && /K/.test(e.message),
    );
    assert.throws(
      () => solutionJet(prog, 0, z.offset, 0),
      (e: Error) => e instanceof ArgumentError,
    );
    solutionJet(prog, 0, z.offset, 3);
    prog.beginReverse();
    // The reverse sweep checks K as the forward does (K = 0 used to return without a word).
    for (const bad of [0, 4, 1.5])
      assert.throws(
        () => solutionJetVjp(prog, bad),
        (e: Error) => e instanceof ArgumentError && /^K: /.test(e.message),
      );
  });
});

test('jets and cotangents belong to one evaluation: using them before begin / beginReverse is refused', () => {
  const g = new GraphBuilder(1);
  const prog = new JetProgram(rt, g.build(g.square(g.state)), 1, 2);
  const refused = (f: () => unknown, what: RegExp) =>
    assert.throws(f, (e: Error) => e instanceof TaynodeError && what.test(e.message));
  refused(() => prog.state(0), /call begin/);
  refused(() => prog.extend(0), /call begin/);
  refused(() => prog.beginReverse(), /call begin/);
  arena.scope(() => {
    prog.begin(0);
    refused(() => prog.reverse(0), /call beginReverse/);
    prog.beginReverse();
    prog.reverse(0);
    prog.begin(0.5); // a new evaluation: the previous cotangents are not its own
    for (const use of [
      () => prog.reverse(0),
      () => prog.stateCotangent(0),
      () => prog.outputCotangent(0),
      () => prog.timeCotangent(0),
    ])
      refused(use, /call beginReverse/);
  });
});

test('the recursion runs each linear layer once per order: K GEMMs per layer for z[1..K], not K(K+1)/2', () => {
  const dyn = mlpDynamics(rt, { widths: [2, 8, 8, 2], activation: 'tanh' }, new Rng(3));
  let gemms = 0;
  const counting: Kernels = {
    ...rt.kernels,
    gemm_nt: (...args: Parameters<Kernels['gemm_nt']>) => {
      gemms++;
      rt.kernels.gemm_nt(...args);
    },
  };
  for (const k of [1, 4, 8])
    arena.scope(() => {
      gemms = 0;
      const prog = new JetProgram({ kernels: counting, arena, dtype: 'float64' }, dyn.graph, 2, k);
      solutionJet(prog, 0, Tensor.zeros(arena, 2, 2).offset, k);
      assert.is(gemms, 3 * k, `K = ${k}`);
    });
});

test.run();
