// `taynode toy`: the paper's Figure 1. Trains the 1-D neural ODE for z(1) = z(0) + z(0)³ without and
// with R_K, prints and saves the loss and dopri5 NFE of both, the trained weights (safetensors) and an
// SVG of the trajectories coloured by |d^K z/dt^K| with the solver's evaluation points.
import { Option, type Command } from 'commander';
import { runtimeFor, dtypeOption } from '../dtype.js';
import { type RuntimeDtype as Dtype, type IterationMetrics, saveModel } from 'taynode';
import {
  chooseRun,
  DEFAULT_TOY,
  TOY_INITS,
  toyData,
  trainToy,
  trainToyOn,
  type ToyRun,
  type ToySettings,
} from '../experiments/toy.js';
import { evalDtypeOption } from '../eval-dtype.js';
import { withWorkers, workersJson, workersOption } from '../workers.js';
import { trajectoriesSpec, trajectoryPanel } from '../experiments/toy-plot.js';
import { renderSvg } from '../plots.js';
import { defaultOut, forceOption, OutputDir } from '../output.js';
import { createProgress } from '../progress.js';
import { integer, integerAtLeast, nonNegative, positive, positiveInt, positiveList } from '../parsers.js';

export function registerToyCommand(program: Command): void {
  const d = DEFAULT_TOY;
  program
    .command('toy')
    .description(
      'Figure 1: fit z(1) = z(0) + z(0)³ with a 1-D neural ODE, without and with R_K; compare loss and dopri5 NFE, plot trajectories',
    )
    .option('--iterations <n>', 'Adam iterations per run (the rate drops 3× at 70%)', positiveInt, d.iterations)
    .option('--order <K>', 'K of the R_K regulariser', positiveInt, d.order)
    .option('--lambdas <list>', 'comma-separated λ values to sweep', positiveList('weights'), d.lambdas)
    .option('--hidden <n>', 'hidden units of the sigmoid MLP', positiveInt, d.hidden)
    .option('--scale <s>', 'x ∈ [−3, 3] becomes z = x/s (target (x + x³)/s)', positive, d.scale)
    .option(
      '--train-points <n>',
      'evenly spaced training inputs (at least 2: the first at −3, the last at 3)',
      integerAtLeast(2),
      d.trainPoints,
    )
    .option('--test-points <n>', 'random test inputs', positiveInt, d.testPoints)
    .option('--batch-size <n>', 'minibatch size', positiveInt, d.batchSize)
    .option('--lr <x>', 'Adam learning rate', positive, d.lr)
    .option('--weight-decay <x>', 'AdamW weight decay for every run', nonNegative, d.weightDecay)
    .option('--train-tol <x>', 'dopri5 rtol = atol while training', positive, d.trainTol)
    .option(
      '--eval-tol <x>',
      "dopri5 rtol = atol for the reported NFE and loss (the paper's default 1.4e-8)",
      positive,
      d.evalTol,
    )
    .addOption(evalDtypeOption())
    .option(
      '--compare-tols <list>',
      "further tolerances at which both models' NFE is reported",
      positiveList('tolerances'),
      d.compareTols,
    )
    .option(
      '--max-loss-ratio <x>',
      'loss budget for choosing λ: reg loss ≤ ratio × unreg loss',
      positive,
      d.maxLossRatio,
    )
    .option('--seed <n>', 'seed for the weights, the batches and the test set', integer, d.seed)
    .addOption(dtypeOption())
    .addOption(
      new Option(
        '--init <scheme>',
        'weight initialisation: pytorch (uniform ±1/√fan_in) or glorot (normal, zero biases: JAX stax, the reference code)',
      )
        .choices(TOY_INITS)
        .default(d.init),
    )
    .option(
      '--out <dir>',
      'directory for the SVG, the trained models and the JSON (a previous output of this command is replaced when the run ends; other files are kept)',
      defaultOut('toy'),
    )
    .option('--json <path>', 'where to write the results JSON (default: toy.json in --out)')
    .addOption(forceOption())
    .option('--no-progress', 'no progress bar')
    .addOption(workersOption())
    .action(
      async (
        opts: ToySettings & {
          out: string;
          json?: string;
          force?: boolean;
          progress: boolean;
          workers: number;
          dtype: Dtype;
        },
      ) =>
        withWorkers(opts.workers, opts.dtype, async (pool) => {
          const out = new OutputDir(opts.out, { command: 'toy', force: opts.force }); // writable, checked before any training
          const json = opts.json ?? out.finalPath('toy.json');
          out.checkFile(json, '--json');
          const { out: _out, json: _json, force: _force, progress, workers: _workers, ...settings } = opts;
          const s: ToySettings = { ...DEFAULT_TOY, ...settings };
          const rt = runtimeFor(opts.dtype);
          const data = toyData(s);
          const bar = createProgress({
            format: '{name} [{bar}] {value}/{total} | loss {loss} | NFE fwd {nfeF} bwd {nfeB} | {eta_formatted} left',
            enabled: progress,
          });
          const runOne = async (lambda: number): Promise<ToyRun> => {
            const name = lambda === 0 ? 'unregularised  ' : `R_${s.order} λ=${lambda}`.padEnd(15);
            bar.start(s.iterations, { name, loss: '-', nfeF: '-', nfeB: '-' });
            const onIteration = (r: IterationMetrics) =>
              bar.update(r.iteration + 1, {
                name,
                loss: r.loss.toExponential(3),
                nfeF: r.nfeForward,
                nfeB: r.nfeBackward,
              });
            const run = pool
              ? await trainToyOn(pool, rt, s, data, lambda, onIteration)
              : trainToy(rt, s, data, lambda, onIteration);
            bar.stop();
            const others = run.atTols.map((a) => `${a.nfe} at ${a.tol}`).join(', ');
            console.log(
              `${name.trim()}: test loss ${run.testLoss.toExponential(4)}, dopri5 NFE ${run.nfe} on the test batch, ${run.nfePerExample.toFixed(1)} per example alone (tol ${s.evalTol}; batch NFE ${others}), R_${s.order} ${run.rK.toExponential(3)}, ${run.trainSeconds.toFixed(1)} s`,
            );
            return run;
          };
          const unreg = await runOne(0);
          const regs: ToyRun[] = [];
          for (const lambda of s.lambdas) regs.push(await runOne(lambda));
          const { run: reg, withinBudget } = chooseRun(unreg, regs, s.maxLossRatio);
          const nfeRatio = unreg.nfe / reg.nfe;
          const lossRatio = reg.testLoss / unreg.testLoss;
          const met = nfeRatio >= 2 && lossRatio <= 1.1;
          console.log(
            `chosen λ = ${reg.lambda}: NFE ${unreg.nfe} → ${reg.nfe} (${nfeRatio.toFixed(2)}× fewer), loss ${unreg.testLoss.toExponential(3)} → ${reg.testLoss.toExponential(3)} (×${lossRatio.toFixed(3)}); target (≥ 2× fewer NFE, ≤ 10% more loss) ${met ? 'met' : 'not met'}`,
          );

          out.write('toy-unregularised.safetensors', saveModel(unreg.model, { experiment: 'toy', lambda: '0' }));
          out.write(
            'toy-regularised.safetensors',
            saveModel(reg.model, { experiment: 'toy', lambda: String(reg.lambda) }),
          );
          const starts = Float64Array.from({ length: 13 }, (_, i) => (-3 + 0.5 * i) / s.scale);
          const what = `the ${s.testPoints} test inputs (as printed)`;
          const panels = [
            trajectoryPanel(unreg.model, starts, 'unregularised', s.evalTol, s.order, 31, { nfe: unreg.nfe, what }),
            trajectoryPanel(reg.model, starts, `R_${s.order}, λ = ${reg.lambda}`, s.evalTol, s.order, 31, {
              nfe: reg.nfe,
              what,
            }),
          ];
          console.log(
            `plot: the ${starts.length} trajectories shown, solved jointly at ${s.evalTol}, take ${panels[0].nfe} (unregularised) and ${panels[1].nfe} (λ = ${reg.lambda}) evaluations (the dots)`,
          );
          const svg = out.write('toy.svg', await renderSvg(trajectoriesSpec(panels, s.order)));
          const summary = (r: ToyRun) => ({
            lambda: r.lambda,
            test_loss: r.testLoss,
            train_loss: r.trainLoss,
            nfe: r.nfe,
            nfe_per_example: r.nfePerExample,
            [`r${s.order}`]: r.rK,
            nfe_at_tol: Object.fromEntries(
              r.atTols.map((a) => [String(a.tol), { nfe: a.nfe, nfe_per_example: a.nfePerExample }]),
            ),
            train_seconds: r.trainSeconds,
          });
          const figures = {
            nfe_unreg: unreg.nfe,
            nfe_reg: reg.nfe,
            loss_unreg: unreg.testLoss,
            loss_reg: reg.testLoss,
            lambda_reg: reg.lambda,
            nfe_ratio: nfeRatio,
            nfe_per_example_unreg: unreg.nfePerExample,
            nfe_per_example_reg: reg.nfePerExample,
            loss_ratio: lossRatio,
            eval_tol: s.evalTol,
            target_met: met,
            chosen_within_loss_budget: withinBudget,
            sweep: [summary(unreg), ...regs.map(summary)],
            dtype: opts.dtype,
            settings: { ...s },
            ...workersJson(pool),
            command: `taynode toy ${process.argv.slice(3).join(' ')}`.trim(),
            date: new Date().toISOString(),
          };
          const jsonPath = out.writeFile(json, JSON.stringify(figures, null, 2) + '\n');
          out.commit();
          console.log(`wrote ${jsonPath}, ${svg} and the two models in ${opts.out}/`);
        }),
    );
}
