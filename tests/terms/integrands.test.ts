// The regularisers' integrands (src/terms/integrands.ts): R_K's Σ||d^K z/dt^K||², the kinetic Σ||f||²
// and the Jacobian-Frobenius Σ||∂f/∂z·ε||² of a Dynamics, their gradients in z, θ and t against finite
// differences, and the augmented dynamics integrating exactly these (one integrand per kind).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Tensor } from '../../src/runtime/tensor.js';
import { ArgumentError } from '../../src/errors.js';
import { jacobianFrobeniusRegulariser, kineticRegulariser, taylorRegulariser } from '../../src/terms/integrands.js';
import { TERM_KINDS } from '../../src/terms/kinds.js';
import { GraphAugmentedDynamics } from '../../src/terms/graph-augmented.js';
import type { RegulariserTermConfig } from '../../src/terms/terms.js';
import { BATCH, D, checkScalarGradients, mlpSetup } from '../helpers/vector-field.js';
import { assertClose } from '../helpers/numeric.js';

const rt = createRuntimeSync();
const { arena } = rt;
const setup = (seed: number, activation?: 'tanh' | 'sigmoid' | 'softplus' | 'sin') => mlpSetup(rt, seed, activation);

for (const [K, act] of [
  [1, 'tanh'],
  [2, 'sigmoid'],
  [3, 'softplus'],
  [4, 'sin'],
] as const) {
  test(`taylorRegulariser K=${K} (${act}): Σ||d^K z/dt^K||² and its gradients in z, θ and t match finite differences`, () => {
    const { rng, dyn, z } = setup(10 + K, act);
    const t = 0.4;
    const weight = 0.5;
    const value = (tt: number) => taylorRegulariser(dyn, tt, z, K).value * weight;
    dyn.zeroGrad();
    const gz = Tensor.zeros(arena, BATCH, D);
    const { dt } = taylorRegulariser(dyn, t, z, K, { weight, gz });
    checkScalarGradients(`R_${K}`, dyn, z, rng, t, value, {
      gz: gz.toFloat64Array(),
      params: dyn.params.map((p) => p.grad.toFloat64Array()),
      dt,
    });
  });
}

test('kinetic: Σ||f||² and its gradients match finite differences', () => {
  const { rng, dyn, z } = setup(20, 'sigmoid');
  const t = -0.3;
  const value = (tt: number) => kineticRegulariser(dyn, tt, z).value;
  const f = Tensor.empty(arena, BATCH, D);
  dyn.f(t, z, f);
  assertClose([value(t)], [f.asFloat64().reduce((s, v) => s + v * v, 0)], 1e-14, 'value');
  dyn.zeroGrad();
  const gz = Tensor.zeros(arena, BATCH, D);
  const { dt } = kineticRegulariser(dyn, t, z, { gz });
  checkScalarGradients('kinetic', dyn, z, rng, t, value, {
    gz: gz.toFloat64Array(),
    params: dyn.params.map((p) => p.grad.toFloat64Array()),
    dt,
  });
});

test('jacobianFrobenius: Σ||∂f/∂z·ε||² equals finite differences of f, and its gradients match finite differences', () => {
  const { rng, dyn, z } = setup(21, 'tanh');
  const t = 0.6;
  const eps = Tensor.from(
    arena,
    Float64Array.from({ length: BATCH * D }, () => rng.rademacher()),
    BATCH,
    D,
  );
  const jvp = arena.scope(() => {
    const h = 1e-5;
    const [zp, zm, fp, fm] = [0, 0, 0, 0].map(() => Tensor.empty(arena, BATCH, D));
    zp.copyFrom(z.data.map((v, i) => v + h * eps.data[i]));
    zm.copyFrom(z.data.map((v, i) => v - h * eps.data[i]));
    dyn.f(t, zp, fp);
    dyn.f(t, zm, fm);
    return fp.asFloat64().map((v, i) => (v - fm.data[i]) / (2 * h));
  });
  const value = (tt: number) => jacobianFrobeniusRegulariser(dyn, tt, z, eps).value;
  assertClose([value(t)], [jvp.reduce((s, v) => s + v * v, 0)], 1e-8, 'value');
  dyn.zeroGrad();
  const gz = Tensor.zeros(arena, BATCH, D);
  const { dt } = jacobianFrobeniusRegulariser(dyn, t, z, eps, { gz });
  checkScalarGradients('jacobianFrobenius', dyn, z, rng, t, value, {
    gz: gz.toFloat64Array(),
    params: dyn.params.map((p) => p.grad.toFloat64Array()),
    dt,
  });
});

test('an order K below 1 is refused by name', () => {
  const { dyn, z } = setup(30);
  assert.throws(
    () => taylorRegulariser(dyn, 0, z, 0),
    (e: Error) => e instanceof ArgumentError && /^K: /.test(e.message),
  );
  assert.throws(
    () => TERM_KINDS.jacobianFrobenius.integrand!.evaluate(dyn, 0, z, { kind: 'jacobianFrobenius' }, null),
    (e: Error) => e instanceof ArgumentError && /^eps: /.test(e.message),
  );
});

// One integrand per kind: the augmented state's integrals are the registry's sums over batch·D, to the bit.
test("the augmented dynamics integrate each kind's registry integrand divided by batch·D, bitwise", () => {
  const { rng, dyn, z } = setup(40, 'softplus');
  const bd = BATCH * D;
  const t = 0.3;
  for (const terms of [
    [
      { kind: 'taylor', order: 3, lambda: 1 },
      { kind: 'kinetic', lambda: 1 },
      { kind: 'jacobianFrobenius', lambda: 1 },
    ],
    [
      { kind: 'jacobianFrobenius', lambda: 1, noise: 'gaussian' },
      { kind: 'kinetic', lambda: 1 },
    ],
  ] as RegulariserTermConfig[][]) {
    const aug = new GraphAugmentedDynamics(rt, dyn, BATCH, terms);
    aug.resampleNoise(rng);
    const [epsValues] = aug.saveNoise();
    const y = new Float64Array(aug.stateSize);
    y.set(z.asFloat64());
    const dy = new Float64Array(aug.stateSize);
    aug.evaluate(t, y, dy, 0);
    terms.forEach((term, j) =>
      arena.scope(() => {
        const eps = term.kind === 'jacobianFrobenius' ? Tensor.from(arena, epsValues, BATCH, D) : null;
        const expected =
          (TERM_KINDS[term.kind].integrand!.evaluate as (...a: unknown[]) => { value: number })(dyn, t, z, term, eps)
            .value / bd;
        assert.is(dy[aug.layout.terms.offset + j], expected, `${term.kind} in ${terms.map((x) => x.kind).join(', ')}`);
      }),
    );
  }
});

test.run();
