// Redraws committed figures with the plotting code of today, without training: fig5a
// (bench/results/mnist.json) and the mixture16 trade-off (bench/results/cnf-mixture16.json) from their
// JSON alone; toy.svg, latent's trajectories and reconstructions and cnf-density from their JSON and
// the committed models (results/toy, results/latent, results/cnf), whose solves are run again
// (predictions, no training). (beyond's figures: `taynode beyond --parts none --merge
// bench/results/beyond.json --figures results/beyond`.) Then scripts/svg-to-png.sh for the PNG copies.
// Run: node --import tsx --import ./tests/setup/register-wasm-loader.mjs scripts/redraw-figures.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { renderSvg } from '../packages/cli/src/plots.js';
import { fig5aSpec } from '../packages/cli/src/experiments/mnist/plots.js';
import type { MnistRun } from '../packages/cli/src/experiments/mnist/run.js';
import { outcomeTradeoffSpec } from '../packages/cli/src/experiments/cnf/plots.js';
import { rowFromJson } from '../packages/cli/src/experiments/cnf/merge.js';
import { trajectoriesSpec, trajectoryPanel } from '../packages/cli/src/experiments/toy-plot.js';
import { createRuntimeSync, decodeSafetensors, loadModel, Rng } from 'taynode';
import { architecture, latentData, type LatentSettings } from '../packages/cli/src/experiments/latent/run.js';
import { createLatentOde, loadLatentWeights } from '../packages/cli/src/experiments/latent/model.js';
import { densitySpec, histogramPanel, modelDensityPanel } from '../packages/cli/src/experiments/cnf/plots.js';
import { makeDataset } from '../packages/cli/src/experiments/cnf/data.js';
import { plotRange } from '../packages/cli/src/commands/cnf.js';
import {
  latentPanel,
  latentTrajectoriesSpec,
  reconstructionRows,
  reconstructionsSpec,
} from '../packages/cli/src/experiments/latent/plots.js';

const read = (path: string) => JSON.parse(readFileSync(new URL(`../${path}`, import.meta.url), 'utf8'));
const write = (path: string, svg: string) => {
  writeFileSync(new URL(`../${path}`, import.meta.url), svg);
  console.log(`wrote ${path}`);
};

// fig5a reads a run's λ, training-set NFE and training loss: the sweep's lambda, nfe_train, train_loss.
const mnist = read('bench/results/mnist.json');
const runs = mnist.sweep.map(
  (r: { lambda: number; nfe_train: number; train_loss: number }) =>
    ({ lambda: r.lambda, train: { nfe: r.nfe_train, loss: r.train_loss } }) as unknown as MnistRun,
);
write('results/mnist/fig5a-loss-nfe.svg', await renderSvg(fig5aSpec(runs, mnist.settings.evalTol)));

// The trade-off as `taynode cnf` draws it, from the JSON's rows read back as `cnf --merge` reads them.
const cnf = read('bench/results/cnf-mixture16.json');
const cnfRows = (list: unknown[], part: string) =>
  list.map((r, i) => rowFromJson(r, `bench/results/cnf-mixture16.json: ${part}[${i}]`));
write(
  'results/cnf-mixture16/cnf-tradeoff.svg',
  await renderSvg(
    outcomeTradeoffSpec(
      { table: cnfRows(cnf.table, 'table'), sweep: cnfRows(cnf.sweep, 'sweep') },
      cnf.settings,
      cnf.dim,
    ),
  ),
);

// toy.svg as `taynode toy` draws it: 13 starts over the input range, the JSON's NFE in the titles.
const toy = read('bench/results/toy.json');
const rt = createRuntimeSync();
const model = (name: string) =>
  loadModel(rt, readFileSync(new URL(`../results/toy/toy-${name}.safetensors`, import.meta.url))).model;
const t = toy.settings;
const starts = Float64Array.from({ length: 13 }, (_, i) => (-3 + 0.5 * i) / t.scale);
const what = `the ${t.testPoints} test inputs (as printed)`;
write(
  'results/toy/toy.svg',
  await renderSvg(
    trajectoriesSpec(
      [
        trajectoryPanel(model('unregularised'), starts, 'unregularised', t.evalTol, t.order, 31, {
          nfe: toy.nfe_unreg,
          what,
        }),
        trajectoryPanel(model('regularised'), starts, `R_${t.order}, λ = ${toy.lambda_reg}`, t.evalTol, t.order, 31, {
          nfe: toy.nfe_reg,
          what,
        }),
      ],
      t.order,
    ),
  ),
);

// latent's trajectories and reconstructions as `taynode latent` draws them (its default numbers of series shown).
const latent = read('bench/results/latent.json');
const latentModel = (name: string) => {
  const file = decodeSafetensors(
    readFileSync(new URL(`../results/latent/latent-${name}.safetensors`, import.meta.url)),
  );
  const ls = JSON.parse(file.metadata.settings) as LatentSettings;
  const data = latentData(ls);
  const { set, window } = data;
  if (!set || !window)
    throw new Error('results/latent must hold a run on the periodic set: these figures draw its one channel');
  const m = createLatentOde(
    rt,
    architecture(ls),
    {
      tMax: ls.tMax,
      order: ls.order,
      lambda: Number(file.metadata.lambda),
      samples: ls.samples,
      solver: { method: 'dopri5', rtol: ls.trainTol, atol: ls.trainTol },
      gradient: ls.gradient,
    },
    window.steps,
    new Rng(ls.seed),
  );
  loadLatentWeights(m, file.tensors);
  return { model: m, data: { ...data, set, window }, settings: ls };
};
const [unreg, reg] = [latentModel('unregularised'), latentModel('regularised')];
const ls = unreg.settings,
  data = unreg.data;
const test = Array.from(data.test);
const regLabel = `R_${latent.order ?? ls.order}, λ = ${latent.lambda}`; // the chosen run's order (settings.order is --order alone)
const series = `${latent.nfe_series} test series`;
write(
  'results/latent/latent-trajectories.svg',
  await renderSvg(
    latentTrajectoriesSpec([
      latentPanel(unreg.model, data.set, data.window, test.slice(0, 6), 'unregularised', ls.evalTol, {
        nfe: latent.nfe_unreg,
        what: series,
      }),
      latentPanel(reg.model, data.set, data.window, test.slice(0, 6), regLabel, ls.evalTol, {
        nfe: latent.nfe_reg,
        what: series,
      }),
    ]),
  ),
);
const shownSeries = test.slice(0, 4);
const rows = [
  ...reconstructionRows(unreg.model, 'unregularised', data.set, data.window, shownSeries),
  ...reconstructionRows(reg.model, regLabel, data.set, data.window, shownSeries),
];
const whatShown =
  ls.mode === 'interp' ? 'reconstructions of the observed points' : 'extrapolations (the encoder sees t < t_max/2)';
write(
  'results/latent/latent-reconstructions.svg',
  await renderSvg(
    reconstructionsSpec(rows, `Test series: ${whatShown}; dashed: noise-free series`, ['unregularised', regLabel]),
  ),
);

// cnf-density as `taynode cnf` draws it (a 60 × 60 grid), the JSON's NFE in the titles.
const flows = read('bench/results/cnf.json');
const fs = flows.settings;
const flowData = makeDataset(fs.dataset, fs.trainSize, fs.testSize, fs.seed);
const range = plotRange(flowData.train);
const flowFile = (name: string) =>
  loadModel(rt, readFileSync(new URL(`../results/cnf/cnf-${name}.safetensors`, import.meta.url)));
const [flowUnreg, flowReg] = [flowFile('unregularised'), flowFile('regularised')];
const examples = (flows.table as { eval: { examples: number }[] }[])[0].eval[0].examples;
const reported = (nfe: number) => ({ nfe, what: `the ${examples} test examples (as in the JSON)` });
const tol = fs.evalTols[0];
write(
  'results/cnf/cnf-density.svg',
  await renderSvg(
    densitySpec(
      [
        histogramPanel(flowData.train, range, 60, 'data (training histogram)'),
        modelDensityPanel(flowUnreg.model, range, 60, tol, 'unregularised', reported(flows.nfe_unreg)),
        modelDensityPanel(
          flowReg.model,
          range,
          60,
          tol,
          `${flowReg.metadata.regulariser.toUpperCase()} λ = ${flowReg.metadata.lambda}`,
          reported(flows.nfe_reg),
        ),
      ],
      `${fs.dataset}: density, data against the models (exact trace, dopri5 tol ${tol})`,
      range,
    ),
  ),
);
