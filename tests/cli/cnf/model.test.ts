import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../../src/runtime/wasm.js';
import { Rng } from '../../../src/random.js';
import { NeuralOde } from '../../../src/model/neural-ode.js';
import { flowNllLoss } from '../../../src/model/losses.js';
import { columnMoments, makeDataset } from '../../../packages/cli/src/experiments/cnf/data.js';
import {
  createFlow,
  evaluateDensity,
  flowDynamics,
  parseTrainSolver,
  sampleFlow,
  trainingSolver,
  trainingTerms,
  withSettings,
  REGULARISERS,
} from '../../../packages/cli/src/experiments/cnf/model.js';
import { DEFAULT_CNF } from '../../../packages/cli/src/experiments/cnf/settings.js';
import { trainRow } from '../../../packages/cli/src/experiments/cnf/train.js';
import { compare } from '../../../packages/cli/src/experiments/cnf/run.js';
import type { RowResult } from '../../../packages/cli/src/experiments/cnf/train.js';

const rt = createRuntimeSync();

/** e^A by its Taylor series (‖A‖ < 1 here: 40 terms are exact to rounding). */
function expm(a: number[][]): number[][] {
  const n = a.length;
  let term: number[][] = a.map((_, i) => a.map((_, j) => (i === j ? 1 : 0)));
  const sum = term.map((r) => r.slice());
  for (let k = 1; k < 40; k++) {
    term = term.map((r, i) => r.map((_, j) => r.reduce((s, _v, m) => s + term[i][m] * a[m][j], 0) / k));
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sum[i][j] += term[i][j];
  }
  return sum;
}

test('exact log-density of a linear flow dz/dt = A z: a Gaussian pushed through it, to 1e-8', () => {
  // x ~ N(0, Σ) with Σ = e^{−A} e^{−Aᵀ} is mapped by z(1) = e^A x onto N(0, I): −log p(x) = ½|e^A x|² + (D/2) log 2π − tr A
  const A = [
    [0.3, -0.5, 0.1],
    [0.4, -0.2, 0.25],
    [-0.15, 0.35, 0.1],
  ];
  const flow = NeuralOde.create(
    rt,
    {
      dynamics: { type: 'linear', inputs: 3, outputs: 3, bias: false },
      terms: [{ kind: 'logDensity', estimator: 'exact' }],
    },
    new Rng(0),
  );
  flow.params[0].value.copyFrom(Float64Array.from(A.flat()));
  const eA = expm(A);
  const x = Float64Array.from([0.5, -1.2, 2.0, -0.3, 0.8, 0.1, 1.5, 1.5, -2.5]);
  const e = evaluateDensity(flow, x, 1e-12);
  for (let b = 0; b < 3; b++) {
    const z = [0, 1, 2].map((i) => eA[i].reduce((s, v, j) => s + v * x[3 * b + j], 0));
    const expected = 0.5 * z.reduce((s, v) => s + v * v, 0) + 1.5 * Math.log(2 * Math.PI) - (0.3 - 0.2 + 0.1);
    assert.ok(Math.abs(e.perExample[b] - expected) < 1e-8, `example ${b}: ${e.perExample[b]} vs ${expected}`);
  }
  assert.ok(Math.abs(e.nll - (e.perExample[0] + e.perExample[1] + e.perExample[2]) / 3) < 1e-14);
  assert.ok(e.nfe > 0);
});

/** A small FFJORD flow with non-trivial weights. */
function smallFlow(dim: number, seed: number) {
  return createFlow(
    rt,
    { dim, hidden: [8, 8], activation: 'tanh' },
    trainingTerms('none', 0, 'gaussian'),
    { method: 'rk4', steps: 4 },
    new Rng(seed),
  );
}

test("Hutchinson's trace is unbiased: its mean over many ε equals the exact Δlog p (same rk4 grid), for Gaussian and Rademacher ε", () => {
  const flow = smallFlow(3, 11);
  const point = [0.7, -0.4, 1.1];
  const copies = 4000;
  const x = Float64Array.from({ length: copies * 3 }, (_, i) => point[i % 3]);
  const grid = { method: 'rk4' as const, steps: 4 };
  const exact = withSettings(flow, { terms: [{ kind: 'logDensity', estimator: 'exact' }], solver: grid }).objective(
    x.subarray(0, 3),
    new Float64Array(1),
    { gradient: false, loss: flowNllLoss },
  ).logDensity![0];
  for (const noise of ['gaussian', 'rademacher'] as const) {
    const r = withSettings(flow, {
      terms: [{ kind: 'logDensity', estimator: 'hutchinson', noise }],
      solver: grid,
    }).objective(x, new Float64Array(copies), { gradient: false, rng: new Rng(5), loss: flowNllLoss });
    const ld = r.logDensity!;
    const mean = ld.reduce((a, v) => a + v, 0) / copies;
    const sd = Math.sqrt(ld.reduce((a, v) => a + (v - mean) ** 2, 0) / (copies - 1));
    assert.ok(sd > 1e-3, `${noise}: the estimate varies with ε (sd ${sd})`);
    assert.ok(
      Math.abs(mean - exact) < (4 * sd) / Math.sqrt(copies),
      `${noise}: mean ${mean} vs exact ${exact} (standard error ${sd / Math.sqrt(copies)})`,
    );
  }
});

test('the CNF objective (Hutchinson NLL + each regulariser) has the gradients of central differences on an rk4 grid', () => {
  for (const reg of REGULARISERS) {
    const flow = createFlow(
      rt,
      { dim: 2, hidden: [6, 6], activation: 'softplus' },
      trainingTerms(reg, 0.3, 'gaussian'),
      trainingSolver(parseTrainSolver('rk4-3'), 1e-5, 100),
      new Rng(2),
    );
    const x = Float64Array.from([0.5, -1.0, 1.5, 0.3, -0.7, -0.2]);
    const zeros = new Float64Array(3);
    const loss = () => flow.objective(x, zeros, { gradient: false, rng: new Rng(9), loss: flowNllLoss }).loss;
    flow.objective(x, zeros, { rng: new Rng(9), loss: flowNllLoss });
    const h = 1e-6;
    for (const p of flow.params) {
      const grad = p.grad.toFloat64Array();
      const v = p.value.toFloat64Array();
      for (const i of [0, v.length - 1]) {
        const bump = (d: number) => {
          const w = v.slice();
          w[i] += d;
          p.value.copyFrom(w);
          const l = loss();
          p.value.copyFrom(v);
          return l;
        };
        const fd = (bump(h) - bump(-h)) / (2 * h);
        assert.ok(
          Math.abs(fd - grad[i]) <= 1e-7 + 1e-6 * Math.abs(fd),
          `${reg}: ∂L/∂${p.name}[${i}] ${grad[i]} vs ${fd}`,
        );
      }
    }
  }
});

test("samples of a trained 2-D flow (base N(0, I) solved backwards) have the data's moments: means within 0.25, standard deviations within 12 %", () => {
  const data = makeDataset('8gaussians', 4000, 500, 1);
  const s = {
    ...DEFAULT_CNF,
    hidden: [32, 32],
    iterations: 150,
    batchSize: 100,
    lr: 1e-2,
    evalTols: [1e-4],
    solvers: ['rk4-4'],
  };
  const row = trainRow(rt, data, s, 'none', 'rk4-4', 0);
  assert.not.ok(row.diverged);
  const { samples } = sampleFlow(row.model, 4000, new Rng(3), 1e-5);
  const m = columnMoments(samples, 2),
    d = columnMoments(data.train, 2);
  for (let k = 0; k < 2; k++) {
    assert.ok(Math.abs(m.mean[k] - d.mean[k]) < 0.25, `mean ${k}: ${m.mean[k]} vs ${d.mean[k]}`);
    assert.ok(Math.abs(m.std[k] / d.std[k] - 1) < 0.12, `std ${k}: ${m.std[k]} vs ${d.std[k]}`);
  }
  // and the backward solve inverts the forward one: x → z(1) → back to x
  const fwd = withSettings(row.model, { terms: [], solver: { method: 'dopri5', rtol: 1e-10, atol: 1e-10 } }).predict(
    data.test.subarray(0, 20),
  );
  const back = withSettings(row.model, {
    terms: [],
    t0: 1,
    t1: 0,
    solver: { method: 'dopri5', rtol: 1e-10, atol: 1e-10 },
  }).predict(fwd.z1);
  back.z1.forEach((v, i) => assert.ok(Math.abs(v - data.test[i]) < 1e-7, `round trip ${i}`));
});

test('a row whose training blows up is kept and reported as diverged, with NaN NLL and NFE', () => {
  const data = makeDataset('moons', 200, 50, 0);
  data.train.fill(1e200, 0, 2); // a far outlier: its squared norm overflows, so any batch holding it has a non-finite loss
  const s = { ...DEFAULT_CNF, hidden: [4], iterations: 400, batchSize: 50, evalTols: [1e-5] };
  const row = trainRow(rt, data, s, 'r2', 'rk4-5', 0.1);
  assert.ok(row.diverged);
  assert.match(row.failure!, /^iteration \d+: /);
  assert.ok(row.iterationsDone < 400);
  assert.ok(Number.isNaN(row.evals[0].nll) && Number.isNaN(row.evals[0].nfe));
});

test('the reported TayNODE run: fewest NFE within the NLL budget; the target needs ≥ 1.6× fewer NFE', () => {
  const row = (regulariser: RowResult['regulariser'], lambda: number, nll: number, nfe: number, solver = 'dopri5') =>
    ({ regulariser, solver, lambda, evals: [{ tol: 1e-5, nll, nfe, examples: 1 }] }) as RowResult;
  const table = [
    row('none', 0, 3.0, 100),
    row('rnode', 0.01, 3.02, 70),
    row('r2', 0.01, 3.01, 80),
    row('r3', 0.01, 3.2, 30),
    row('none', 0, 2.9, 40, 'rk4-5'),
  ];
  const c = compare({ table, sweep: [table[2], row('r2', 0.1, 3.029, 60)] }, 0.01);
  assert.is(c.reg!.lambda, 0.1);
  assert.is(c.nfeRatio, 100 / 60);
  assert.ok(c.targetMet && c.withinBudget && c.atLeastAsFewAsRnode);
  const none = compare({ table: [table[0], row('r2', 0.01, 3.5, 20)], sweep: [] }, 0.01);
  assert.not.ok(none.withinBudget || none.targetMet);
  // rows trained apart, no unregularised row: the TayNODE run of lowest NLL (its model is saved), no ratio
  const apart = compare({ table: [table[1], table[2], table[3]], sweep: [] }, 0.01);
  assert.is(apart.reg, table[2]);
  assert.ok(apart.unreg === undefined && Number.isNaN(apart.nfeRatio) && Number.isNaN(apart.nllChange));
  assert.not.ok(apart.withinBudget || apart.targetMet);
  assert.not.ok(apart.atLeastAsFewAsRnode, 'R_2 at 80 NFE against RNODE at 70: more');
});

test("trainingTerms: R_2 / R_3 take the Taylor estimator asked for ('stages' by default); RNODE has no such option", () => {
  assert.equal(trainingTerms('r3', 0.3, 'gaussian')[1], { kind: 'taylor', order: 3, lambda: 0.3, estimator: 'stages' });
  assert.equal(trainingTerms('r2', 3, 'gaussian', 'stepRandom')[1], {
    kind: 'taylor',
    order: 2,
    lambda: 3,
    estimator: 'stepRandom',
  });
  assert.equal(
    trainingTerms('rnode', 0.01, 'gaussian', 'stepStart').map((t) => t.kind),
    ['logDensity', 'kinetic', 'jacobianFrobenius'],
  );
});

test('flowDynamics: ConcatSquashLinear layers D → hidden → D with the activation between them', () => {
  const spec = flowDynamics(2, [64, 64, 64], 'tanh') as { layers: { type: string; fn?: string; outputs?: number }[] };
  assert.equal(
    spec.layers.map((l) => l.type),
    [
      'concatSquashLinear',
      'activation',
      'concatSquashLinear',
      'activation',
      'concatSquashLinear',
      'activation',
      'concatSquashLinear',
    ],
  );
  assert.is(spec.layers[6].outputs, 2);
  assert.throws(() => parseTrainSolver('rk4'), /^solver: expected dopri5 or rk4-<steps>/);
  assert.equal(parseTrainSolver('rk4-6'), { method: 'rk4', steps: 6 });
});

test.run();
