// The latent ODE's objective (GRU encoder → reparameterised z0 → decoder ODE to many times → read-out →
// masked Gaussian likelihood, KL, optional importance weighting, R_K) against central differences.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { makeBatch, windowOf } from '../../packages/cli/src/experiments/latent/batches.js';
import { periodicSet, DEFAULT_PERIODIC } from '../../packages/cli/src/experiments/latent/data.js';
import { createLatentOde, type DecoderSettings } from '../../packages/cli/src/experiments/latent/model.js';
import { drawEps, latentObjective } from '../../packages/cli/src/experiments/latent/objective.js';
import { checkDirectional } from '../helpers/gradcheck.js';
import { relativeError } from '../helpers/numeric.js';

const rt = createRuntimeSync();
const arch = { latent: 3, gruHidden: 4, readoutHidden: 5, units: 6, layers: 2, initLogStd: -1 };
const set = periodicSet({ ...DEFAULT_PERIODIC, series: 6, points: 9, observed: 5, seed: 3 });

function setup(decoder: Partial<DecoderSettings>, mode: 'interp' | 'extrap' = 'interp') {
  const window = windowOf(set, mode);
  const d: DecoderSettings = {
    tMax: 5,
    order: 2,
    lambda: 0,
    samples: 1,
    solver: { method: 'rk4', steps: 12 },
    gradient: 'checkpoint',
    ...decoder,
  };
  const model = createLatentOde(rt, arch, d, window.steps, new Rng(1));
  // larger weights than the initialiser's, so every part's gradient matters
  for (const p of model.params) p.value.copyFrom(p.value.toFloat64Array().map((v) => 2 * v));
  const batch = makeBatch(set, window, [0, 2, 3, 5]);
  return { model, batch };
}

const cases: {
  name: string;
  decoder: Partial<DecoderSettings>;
  samples: number;
  klWeight: number;
  mode?: 'interp' | 'extrap';
}[] = [
  { name: 'one sample, KL weight 0.3', decoder: {}, samples: 1, klWeight: 0.3 },
  {
    name: 'importance-weighted over 3 samples with λ·R_2',
    decoder: { lambda: 0.05, samples: 3 },
    samples: 3,
    klWeight: 1,
  },
  {
    name: 'extrapolation (encoder on the first half, loss on the second) with λ·R_3',
    decoder: { lambda: 0.02, order: 3 },
    samples: 1,
    klWeight: 0.5,
    mode: 'extrap',
  },
];

for (const c of cases) {
  test(`latent objective, ${c.name}: checkpointed gradient of every parameter matches central differences (rk4 grid)`, () => {
    const { model, batch } = setup(c.decoder, c.mode);
    const eps = drawEps(new Rng(9), c.samples, batch.size, arch.latent);
    const options = { eps, klWeight: c.klWeight, sigma: 0.3 };
    const r = latentObjective(model, batch, options);
    assert.ok(Number.isFinite(r.loss) && r.kl > 0);
    if (c.decoder.lambda) assert.ok(r.regularizers[`r${c.decoder.order ?? 2}`] > 0);
    const grads = model.params.map((p) => p.grad.toFloat64Array());
    const loss = () => latentObjective(model, batch, { ...options, gradient: false }).loss;
    const rng = new Rng(4);
    model.params.forEach((p, i) =>
      checkDirectional(`${c.name}: ${p.name}`, loss, p.value, grads[i], rng, { h: 1e-6, tol: 1e-6 }),
    );
  });
}

test('latent objective: the adjoint agrees with the checkpointed replay (dopri5 at 1e-10) for a masked many-time loss', () => {
  const grads = (gradient: 'checkpoint' | 'adjoint') => {
    const { model, batch } = setup({ gradient, lambda: 0.05, solver: { method: 'dopri5', rtol: 1e-10, atol: 1e-10 } });
    const eps = drawEps(new Rng(9), 1, batch.size, arch.latent);
    const r = latentObjective(model, batch, { eps, klWeight: 1, sigma: 0.3 });
    return { r, g: model.params.map((p) => p.grad.toFloat64Array()) };
  };
  const a = grads('checkpoint'),
    b = grads('adjoint');
  assert.ok(Math.abs(a.r.loss - b.r.loss) < 1e-12 * Math.abs(a.r.loss));
  a.g.forEach((g, i) =>
    assert.ok(relativeError(b.g[i], g, 1e-3) < 1e-6, `parameter ${i}: ${relativeError(b.g[i], g, 1e-3)}`),
  );
});

test("latent objective: backprop (three samples' solves awaiting their backward at once) equals the checkpointed replay to rounding", () => {
  const grads = (gradient: 'checkpoint' | 'backprop') => {
    const { model, batch } = setup({
      gradient,
      lambda: 0.05,
      samples: 3,
      solver: { method: 'dopri5', rtol: 1e-7, atol: 1e-7 },
    });
    const eps = drawEps(new Rng(9), 3, batch.size, arch.latent);
    const r = latentObjective(model, batch, { eps, klWeight: 1, sigma: 0.3 });
    return { r, g: model.params.map((p) => p.grad.toFloat64Array()) };
  };
  const a = grads('checkpoint'),
    b = grads('backprop');
  assert.is(b.r.nfeBackward, 0);
  assert.ok(a.r.nfeBackward > 0);
  assert.ok(Math.abs(a.r.loss - b.r.loss) <= 1e-14 * Math.abs(a.r.loss));
  a.g.forEach((g, i) => assert.ok(relativeError(b.g[i], g) < 1e-12, `parameter ${i}: ${relativeError(b.g[i], g)}`));
});

test('latent objective: bad ε, KL weight and σ are named', () => {
  const { model, batch } = setup({});
  assert.throws(
    () => latentObjective(model, batch, { eps: [], klWeight: 1, sigma: 0.01 }),
    /eps: expected one ε array per sample/,
  );
  assert.throws(
    () => latentObjective(model, batch, { eps: [new Float64Array(2)], klWeight: 1, sigma: 0.01 }),
    /eps\[0\]: expected 4 × 3 values/,
  );
  const eps = drawEps(new Rng(1), 1, batch.size, arch.latent);
  assert.throws(() => latentObjective(model, batch, { eps, klWeight: -1, sigma: 0.01 }), /klWeight/);
  assert.throws(() => latentObjective(model, batch, { eps, klWeight: 1, sigma: 0 }), /sigma/);
});

test.run();
