// Taylor mode against the nested-JVP reference on random MLPs with every activation, K = 1..5: the
// solution derivatives, and the gradient of ||d^K z/dt^K||² (reverse over Taylor vs reverse over
// nested JVPs through the tape).
import { test } from 'uvu';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Tensor } from '../../src/runtime/tensor.js';
import { Rng } from '../../src/random.js';
import { Tape } from '../../src/autodiff/tape.js';
import { GraphBuilder } from '../../src/autodiff/graph.js';
import { Parameter } from '../../src/autodiff/parameter.js';
import { Dynamics } from '../../src/nn/vector-field.js';
import { mlpDynamics } from '../../src/nn/mlp.js';
import { taylorRegulariser } from '../../src/terms/integrands.js';
import { nestedSolutionDerivative } from '../../src/taylor/nested-jvp.js';
import { factorial } from '../../src/taylor/solution.js';
import { defineDynamics } from '../../src/nn/define-dynamics.js';
import { concatSquashLinear } from '../../src/nn/concat-squash.js';
import { concatLinear, linear } from '../../src/nn/dense.js';
import { gruCell } from '../../src/nn/gru.js';
import { assertClose, randomArray } from '../helpers/numeric.js';

const rt = createRuntimeSync();
const { arena } = rt;
const BATCH = 3;

/** log needs a positive argument: f = W2·[log(1 + (W1·[z, t] + b1)²), t] + b2. */
function logDynamics(rng: Rng): Dynamics {
  const g = new GraphBuilder(2);
  const p = (name: string, r: number, c: number) => {
    const q = Parameter.zeros(rt, name, r, c);
    q.value.copyFrom(randomArray(rng, r * c));
    return q;
  };
  const h = g.unary('log', g.affine(g.square(g.linear(g.concatTime(g.state), p('w1', 5, 3), p('b1', 1, 5))), 1, 1));
  return new Dynamics(rt, g.build(g.linear(g.concatTime(h), p('w2', 2, 6), p('b2', 1, 2))));
}

const NETWORKS: [string, (rng: Rng) => Dynamics][] = [
  ...(['tanh', 'sigmoid', 'softplus', 'relu', 'sin', 'exp', 'square'] as const).map(
    (a): [string, (rng: Rng) => Dynamics] => [
      a,
      (rng) => mlpDynamics(rt, { widths: [2, 5, 4, 2], activation: a, activateInput: a !== 'exp' }, rng),
    ],
  ),
  ['log', logDynamics],
  // src/nn layers: their ops (broadcastRows, sliceCols) must carry exact Taylor rules and reverses too.
  [
    'ConcatSquashLinear ×2 with tanh (FFJORD)',
    (rng) => {
      const l1 = concatSquashLinear(rt, { inputs: 2, outputs: 5 }, { rng, name: 'a' });
      const l2 = concatSquashLinear(rt, { inputs: 5, outputs: 2 }, { rng, name: 'b' });
      return defineDynamics(rt, 2, (f, z) => l2.apply(f, f.activation('tanh', l1.apply(f, z))));
    },
  ],
  [
    'GRU cell as dynamics (GRU-ODE: f(h) = cell(x(h), h) − h)',
    (rng) => {
      const proj = linear(rt, { inputs: 3, outputs: 3 }, { rng, name: 'x' });
      const cell = gruCell(rt, { inputs: 3, hidden: 2 }, { rng, name: 'gru' });
      return defineDynamics(rt, 2, (f, z) =>
        f.sub(cell.step(f, f.activation('sin', proj.apply(f, f.concatTime(z))), z), z),
      );
    },
  ],
  [
    'ConcatLinear with cos and the glorot initialiser',
    (rng) => {
      const l1 = concatLinear(rt, { inputs: 2, outputs: 4 }, { rng, init: 'glorot', name: 'a' });
      const l2 = concatLinear(rt, { inputs: 4, outputs: 2 }, { rng, init: 'glorot', name: 'b' });
      return defineDynamics(rt, 2, (f, z) => l2.apply(f, f.activation('cos', l1.apply(f, z))));
    },
  ],
];

for (const [name, make] of NETWORKS) {
  test(`${name} MLP: Taylor-mode d^K z/dt^K equals nested JVPs, K = 1..5`, () => {
    const rng = new Rng(name.length * 7 + 11);
    const dyn = make(rng);
    const t = 0.35;
    arena.scope(() => {
      const z = Tensor.from(arena, randomArray(rng, BATCH * 2), BATCH, 2);
      const K = 5;
      const out = Array.from({ length: K }, () => Tensor.empty(arena, BATCH, 2));
      dyn.solutionDerivatives(t, z, K, out);
      for (let k = 1; k <= K; k++) {
        arena.scope(() => {
          const tape = new Tape(rt);
          const params = new Map(dyn.params.map((p) => [p, tape.constant(p.value)]));
          const ref = nestedSolutionDerivative(tape, dyn.graph, params, t, tape.constant(z), k).value.toFloat64Array();
          const mine = out[k - 1].toFloat64Array().map((v) => v * factorial(k));
          assertClose(mine, ref, 1e-10, `${name} K=${k}`);
        });
      }
    });
  });

  test(`${name} MLP: gradient of ||d^K z/dt^K||² by reverse over Taylor equals reverse over nested JVPs, K = 1..4`, () => {
    const rng = new Rng(name.length * 5 + 3);
    const dyn = make(rng);
    const t = -0.2;
    for (let K = 1; K <= 4; K++)
      arena.scope(() => {
        const z = Tensor.from(arena, randomArray(rng, BATCH * 2), BATCH, 2);
        const gz = Tensor.zeros(arena, BATCH, 2);
        dyn.zeroGrad();
        const { value } = taylorRegulariser(dyn, t, z, K, { gz });
        const mine = dyn.params.map((p) => p.grad.toFloat64Array());
        dyn.zeroGrad();
        const tape = new Tape(rt);
        const params = new Map(dyn.params.map((p) => [p, tape.parameter(p)]));
        const zv = tape.variable(z);
        const r = tape.sumSquares(nestedSolutionDerivative(tape, dyn.graph, params, t, zv, K));
        tape.backward(r);
        assertClose([value], r.value.data, 1e-10, `${name} K=${K} value`);
        assertClose(gz.data, zv.grad!.data, 1e-9, `${name} K=${K} ∂/∂z`);
        dyn.params.forEach((p, i) => assertClose(mine[i], p.grad.data, 1e-9, `${name} K=${K} ∂/∂${p.name}`));
      });
  });
}

test("the nested-JVP reference itself agrees with a closed form (z' = z², d^K z/dt^K = K!·z0^(K+1))", () => {
  const g = new GraphBuilder(1);
  const graph = g.build(g.square(g.state));
  arena.scope(() => {
    const tape = new Tape(rt);
    const z = tape.constant(Tensor.from(arena, [0.6, -0.3], 2, 1));
    for (let K = 1; K <= 5; K++) {
      const d = nestedSolutionDerivative(tape, graph, new Map(), 0, z, K).value.toFloat64Array();
      assertClose(
        d,
        [0.6, -0.3].map((z0) => factorial(K) * z0 ** (K + 1)),
        1e-12,
        `K=${K}`,
      );
    }
  });
});

test.run();
