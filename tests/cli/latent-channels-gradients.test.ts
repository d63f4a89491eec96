// The latent objective on a multichannel set (the PhysioNet-like set's interpolation task): the encoder
// reads [x_1..x_C, m_1..m_C, Δt], the read-out is L → C, and only observed entries are scored. Every
// parameter's gradient against central differences; a batch of the wrong channel count is refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { makeChannelBatch } from '../../packages/cli/src/experiments/latent/channel-batches.js';
import { maxRows } from '../../packages/cli/src/experiments/latent/channels.js';
import { createLatentOde, type DecoderSettings } from '../../packages/cli/src/experiments/latent/model.js';
import { drawEps, latentObjective } from '../../packages/cli/src/experiments/latent/objective.js';
import {
  DEFAULT_PHYSIONET_LIKE,
  physionetLikeSet,
} from '../../packages/cli/src/experiments/latent/physionet-like/generate.js';
import { checkDirectional } from '../helpers/gradcheck.js';

const rt = createRuntimeSync();
const C = 4;
const set = physionetLikeSet({
  ...DEFAULT_PHYSIONET_LIKE,
  series: 6,
  channels: C,
  vitals: 2,
  hours: 6,
  quantum: 1,
  seed: 2,
});
const arch = { latent: 3, gruHidden: 4, readoutHidden: 5, units: 6, layers: 2, initLogStd: -1, channels: C };
const decoder: DecoderSettings = {
  tMax: 1,
  order: 2,
  lambda: 0,
  samples: 1,
  solver: { method: 'rk4', steps: 12 },
  gradient: 'checkpoint',
};

function setup(d: Partial<DecoderSettings>) {
  const model = createLatentOde(rt, arch, { ...decoder, ...d }, maxRows(set), new Rng(1));
  for (const p of model.params) p.value.copyFrom(p.value.toFloat64Array().map((v) => 2 * v));
  return { model, batch: makeChannelBatch(set, [0, 2, 3, 5]) };
}

for (const c of [
  { name: 'one sample, KL weight 0.3', d: {}, samples: 1, klWeight: 0.3 },
  { name: 'three samples with λ·R_2', d: { lambda: 0.05, samples: 3 }, samples: 3, klWeight: 1 },
]) {
  test(`multichannel latent objective, ${c.name}: every parameter's gradient matches central differences`, () => {
    const { model, batch } = setup(c.d);
    // some entries of the batch are unobserved: the mask matters
    assert.ok(batch.observed > 0 && batch.observed < batch.mask.length);
    assert.is(model.readout.params[0].value.size, 3 * C);
    const eps = drawEps(new Rng(9), c.samples, batch.size, arch.latent);
    const options = { eps, klWeight: c.klWeight, sigma: 0.3 };
    const r = latentObjective(model, batch, options);
    assert.ok(Number.isFinite(r.loss) && r.kl > 0);
    assert.is(r.prediction.length, batch.times.length * batch.size * C);
    const grads = model.params.map((p) => p.grad.toFloat64Array());
    const loss = () => latentObjective(model, batch, { ...options, gradient: false }).loss;
    const rng = new Rng(4);
    model.params.forEach((p, i) =>
      checkDirectional(`${c.name}: ${p.name}`, loss, p.value, grads[i], rng, { h: 1e-6, tol: 1e-6 }),
    );
  });
}

test('multichannel latent objective: unobserved entries do not count; a batch of another channel count is refused', () => {
  const { model, batch } = setup({});
  const eps = drawEps(new Rng(9), 1, batch.size, arch.latent);
  const base = latentObjective(model, batch, { eps, klWeight: 1, sigma: 0.3, gradient: false });
  const target = batch.target.map((v, k) => (batch.mask[k] ? v : v + 100));
  const changed = latentObjective(model, { ...batch, target }, { eps, klWeight: 1, sigma: 0.3, gradient: false });
  assert.is(changed.loss, base.loss);
  const one = createLatentOde(rt, { ...arch, channels: 1 }, decoder, maxRows(set), new Rng(1));
  assert.throws(
    () => latentObjective(one, batch, { eps, klWeight: 1, sigma: 0.3 }),
    /batch: expected targets and mask of \d+ × 4 × 1/,
  );
});

test.run();
