// Re-evaluates the two models `taynode latent` saved (results/latent/latent-*.safetensors) with the
// settings stored in them: the evaluation of the run (which it should reproduce), the per-series NFE over
// every test series instead of the run's subset, and the latent scale (RMS of z, read-out norm).
// Run: node --import tsx --import ./tests/setup/register-wasm-loader.mjs scripts/latent-evaluate.ts [dir] [out.json]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRuntimeSync } from '../src/runtime/wasm.js';
import { Rng } from '../src/random.js';
import { decodeSafetensors } from '../src/io/safetensors.js';
import {
  architecture,
  evaluateLatent,
  latentData,
  type LatentSettings,
} from '../packages/cli/src/experiments/latent/run.js';
import { createLatentOde, loadLatentWeights } from '../packages/cli/src/experiments/latent/model.js';

const dir = process.argv[2] ?? 'results/latent';
const out = process.argv[3] ?? 'bench/results/latent-evaluate.json';
const rt = createRuntimeSync();
const result: Record<string, unknown> = {};
for (const name of ['unregularised', 'regularised']) {
  const file = decodeSafetensors(readFileSync(join(dir, `latent-${name}.safetensors`)));
  const s = JSON.parse(file.metadata.settings) as LatentSettings;
  const lambda = Number(file.metadata.lambda);
  const data = latentData(s);
  const model = createLatentOde(
    rt,
    architecture(s, data.channels),
    {
      tMax: data.tMax,
      order: s.order,
      lambda,
      samples: s.samples,
      solver: { method: 'dopri5', rtol: s.trainTol, atol: s.trainTol },
      gradient: s.gradient,
    },
    data.steps,
    new Rng(s.seed),
  );
  loadLatentWeights(model, file.tensors);
  const asRun = evaluateLatent(model, data, s);
  const allSeries = evaluateLatent(model, data, { ...s, nfeSeries: 0 });
  result[name] = {
    lambda,
    as_run: asRun,
    all_test_series: { nfe: allSeries.nfe, nfe_train_tol: allSeries.nfeTrainTol, nfe_series: allSeries.nfeSeries },
  };
  console.log(name, JSON.stringify(result[name]));
}
writeFileSync(out, JSON.stringify({ ...result, source: dir, date: new Date().toISOString() }, null, 2) + '\n');
console.log(`wrote ${out}`);
