// The Dynamics API training builds on: f and its VJP with respect to z, θ and t, against finite
// differences (the regularisers built on it: tests/terms/integrands).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Tensor } from '../../src/runtime/tensor.js';
import { Rng } from '../../src/random.js';
import { Tape } from '../../src/autodiff/tape.js';
import { GraphBuilder } from '../../src/autodiff/graph.js';
import { Parameter } from '../../src/autodiff/parameter.js';
import { mlpDynamics } from '../../src/nn/mlp.js';
import { PROGRAM_CACHE_SIZE } from '../../src/nn/vector-field.js';
import { evaluateDual } from '../../src/taylor/nested-jvp.js';
import { ArgumentError, ShapeError, TaynodeError } from '../../src/errors.js';
import { Program } from '../../src/autodiff/program.js';
import { BATCH, D, checkScalarGradients, mlpSetup } from '../helpers/vector-field.js';
import { assertClose, randomArray } from '../helpers/numeric.js';

const rt = createRuntimeSync();
const { arena } = rt;
const setup = (seed: number, activation?: 'tanh' | 'sigmoid' | 'softplus' | 'sin') => mlpSetup(rt, seed, activation);

test("mlpDynamics: PyTorch-layout parameters with the time column, as the paper's MNIST dynamics", () => {
  const dyn = mlpDynamics(rt, { widths: [784, 100, 784], activation: 'sigmoid', activateInput: true }, new Rng(1));
  assert.equal(
    dyn.params.map((p) => [p.name, ...p.shape]),
    [
      ['layer0.weight', 100, 785],
      ['layer0.bias', 1, 100],
      ['layer1.weight', 784, 101],
      ['layer1.bias', 1, 784],
    ],
  );
  const bound = 1 / Math.sqrt(785);
  assert.ok(
    dyn.params[0].value.data.every((v) => Math.abs(v) <= bound),
    'U(±1/√fan_in) initialisation',
  );
  assert.equal(
    dyn.graph.nodes.filter((n) => n.kind === 'op').map((n) => (n.kind === 'op' ? n.op.name : '')),
    ['sigmoid', 'concatTime', 'linear', 'sigmoid', 'concatTime', 'linear'],
  );
});

test('f equals the same graph evaluated on the eager tape, and leaves the arena as it found it', () => {
  const { dyn, z } = setup(2);
  const out = Tensor.empty(arena, BATCH, D);
  const used = arena.usedBytes;
  dyn.f(0.7, z, out);
  assert.is(arena.usedBytes, used, 'no arena growth per call');
  arena.scope(() => {
    const tape = new Tape(rt);
    const params = new Map(dyn.params.map((p) => [p, tape.constant(p.value)]));
    const ref = evaluateDual(tape, dyn.graph, params, tape.constant(z), tape.scalar(0.7)) as { value: Tensor };
    assertClose(out.data, ref.value.data, 1e-14, 'f');
  });
});

test('vjp: ∂⟨g, f⟩/∂z, ∂/∂θ and ∂/∂t match finite differences', () => {
  const { rng, dyn, z } = setup(3, 'softplus');
  const t = 0.25;
  const g = Tensor.from(arena, randomArray(rng, BATCH * D), BATCH, D);
  const gw = g.toFloat64Array();
  const value = (tt: number) =>
    arena.scope(() => {
      const out = Tensor.empty(arena, BATCH, D);
      dyn.f(tt, z, out);
      return out.asFloat64().reduce((s, v, i) => s + v * gw[i], 0);
    });
  dyn.zeroGrad();
  const gz = Tensor.zeros(arena, BATCH, D);
  const dt = dyn.vjp(t, z, g, gz);
  checkScalarGradients('vjp', dyn, z, rng, t, value, {
    gz: gz.toFloat64Array(),
    params: dyn.params.map((p) => p.grad.toFloat64Array()),
    dt,
  });
});

test('Program: backward or output before any forward is refused (there are no values to reverse)', () => {
  const g = new GraphBuilder(2);
  const prog = new Program(rt, g.build(g.square(g.state)), 1);
  const refused = (f: () => unknown) =>
    assert.throws(f, (e: Error) => e instanceof TaynodeError && /call forward/.test(e.message));
  refused(() => prog.output);
  arena.scope(() => {
    const gOut = Tensor.from(arena, [1, 1], 1, 2);
    refused(() => prog.backward(gOut.offset, 0));
    prog.forward(0, Tensor.from(arena, [3, -2], 1, 2).offset);
    const gz = Tensor.zeros(arena, 1, 2);
    prog.backward(gOut.offset, gz.offset);
    assert.equal(Array.from(gz.data), [6, -4]);
  });
});

test('bad shapes and specs are typed errors naming the argument', () => {
  const { dyn, z } = setup(30);
  assert.throws(
    () => dyn.f(0, Tensor.zeros(arena, 2, D + 1), Tensor.zeros(arena, 2, D + 1)),
    (e: Error) => e instanceof ShapeError && /z/.test(e.message),
  );
  assert.throws(
    () => dyn.f(0, z, Tensor.zeros(arena, 1, D)),
    (e: Error) => e instanceof ShapeError && /out/.test(e.message),
  );
  assert.throws(
    () => dyn.solutionDerivatives(0, z, 2, [Tensor.zeros(arena, BATCH, D)]),
    (e: Error) => e instanceof ArgumentError && /out/.test(e.message),
  );
  assert.throws(
    () => dyn.solutionDerivatives(0, z, 1.5, []),
    (e: Error) => e instanceof ArgumentError && /^K: /.test(e.message),
  );
  assert.throws(
    () => mlpDynamics(rt, { widths: [2, 3, 4], activation: 'tanh' }, new Rng(1)),
    (e: Error) => e instanceof ArgumentError && /widths/.test(e.message),
  );
  assert.throws(
    () => mlpDynamics(rt, { widths: [2, 3, 2], activation: 'gelu' as 'tanh' }, new Rng(1)),
    (e: Error) => e instanceof ArgumentError && /activation/.test(e.message),
  );
  assert.throws(
    () => mlpDynamics(rt, { widths: [2, 3, 2], activation: 'tanh', timeinput: false } as never, new Rng(1)),
    (e: Error) => e instanceof ArgumentError && /^timeinput: unknown key/.test(e.message),
  );
  assert.throws(
    () => mlpDynamics(rt, { widths: [2, 1e6, 2], activation: 'tanh' }, new Rng(1)),
    (e: Error) => e instanceof ArgumentError && /widths: expected 2 to 65 integers in 1..8192/.test(e.message),
  );
  assert.throws(
    () => mlpDynamics(undefined as never, { widths: [2, 3, 2], activation: 'tanh' }, new Rng(1)),
    (e: Error) => e instanceof ArgumentError && /^rt: expected a Runtime/.test(e.message),
  );
  assert.throws(
    () => Parameter.zeros(undefined as never, 'p', 1, 2),
    (e: Error) => e instanceof ArgumentError && /^rt: expected a Runtime/.test(e.message),
  );
  // One name per hidden layer exactly: a list of another length is refused, not cut or padded.
  for (const activation of [['tanh'], ['tanh', 'tanh', 'tanh']] as const) {
    assert.throws(
      () => mlpDynamics(rt, { widths: [2, 3, 3, 2], activation }, new Rng(1)),
      (e: Error) => e instanceof ArgumentError && /activation: expected one name or 2 names/.test(e.message),
    );
  }
  const g = new GraphBuilder(2);
  const p = Parameter.zeros(rt, 'p', 1, 2);
  assert.throws(
    () => g.mul(g.state, g.param(p)),
    (e: Error) => e instanceof ArgumentError && /mul input 1/.test(e.message),
  );
  assert.throws(
    () => g.build(g.concatTime(g.state)),
    (e: Error) => e instanceof ShapeError && /state/.test(e.message),
  );
  // A value from another builder: its id names a different node here.
  const other = new GraphBuilder(2);
  const foreign = other.square(other.state);
  g.unary('tanh', g.state);
  assert.throws(
    () => g.add(g.state, foreign),
    (e: Error) =>
      e instanceof ArgumentError && /^add input 1: expected a value built by this GraphBuilder/.test(e.message),
  );
  assert.throws(
    () => g.build(foreign),
    (e: Error) => e instanceof ArgumentError && /^output: expected a value built by this GraphBuilder/.test(e.message),
  );
});

test('compiled programs are cached for the most recent PROGRAM_CACHE_SIZE batch sizes only (a caller cycling through sizes does not grow memory)', () => {
  const dyn = mlpDynamics(rt, { widths: [2, 3, 2], activation: 'tanh' }, new Rng(1));
  for (let batch = 1; batch <= 3 * PROGRAM_CACHE_SIZE; batch++) {
    arena.scope(() => {
      const z = Tensor.zeros(arena, batch, 2),
        out = Tensor.empty(arena, batch, 2);
      dyn.f(0, z, out);
      dyn.solutionDerivatives(0, z, 2, [Tensor.empty(arena, batch, 2), Tensor.empty(arena, batch, 2)]);
    });
  }
  assert.is(dyn.programs.size, PROGRAM_CACHE_SIZE);
  assert.is(dyn.jetPrograms.size, PROGRAM_CACHE_SIZE);
});

test.run();
