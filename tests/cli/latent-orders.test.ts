// The latent experiment's sweep over orders K and its evaluation over every test series, on a tiny run:
// λ = 0 trains once, then every (K, λ) pair; each run carries its order and its own R_K; the reported run
// is chosen across the orders; the per-series NFE summaries agree with the per-series values.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Command } from 'commander';
import { registerLatentCommand } from '../../packages/cli/src/commands/latent.js';
import { runtimeFor } from '../../packages/cli/src/dtype.js';
import { runLatentExperiment } from '../../packages/cli/src/experiments/latent/experiment.js';
import {
  checkOrderLambdas,
  chooseLatentRun,
  DEFAULT_LATENT,
  summariseNfe,
  type LatentRun,
  type LatentSettings,
} from '../../packages/cli/src/experiments/latent/run.js';

const tiny: LatentSettings = {
  ...DEFAULT_LATENT,
  series: 20,
  points: 12,
  observed: 6,
  latent: 3,
  gruHidden: 6,
  units: 8,
  layers: 2,
  iterations: 2,
  batchSize: 5,
  lambdas: [0.1, 1],
  orders: [2, 3],
  trainTol: 1e-4,
  evalTol: 1e-6,
};

/** Sample sd, median and p90 (linear interpolation) spelled out independently of the code under test. */
function expectedStats(xs: number[]) {
  const n = xs.length;
  const mean = xs.reduce((a, x) => a + x, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => {
    const h = p * (n - 1),
      lo = Math.floor(h);
    return lo + 1 < n ? s[lo] + (h - lo) * (s[lo + 1] - s[lo]) : s[lo];
  };
  return { mean, sd, median: at(0.5), p90: at(0.9) };
}

const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('summariseNfe: mean, sample sd, median and p90 of known values', () => {
  const s = summariseNfe([10, 1, 3, 2, 4]);
  close(s.mean, 4, 'mean');
  close(s.sd, Math.sqrt(12.5), 'sd');
  close(s.median, 3, 'median');
  close(s.p90, 7.6, 'p90'); // 4 + 0.6·(10 − 4)
  assert.ok(Number.isNaN(summariseNfe([5]).sd), 'one series: no sample sd');
});

test('--orders 2,3: λ = 0 once, every (K, λ) pair, each run with its order, the choice across orders', async () => {
  const names: string[] = [];
  const files: string[] = [];
  const out = await runLatentExperiment(runtimeFor('float64'), tiny, {
    output: {
      write: (name) => {
        files.push(name);
        return name;
      },
    },
    command: 'test',
    onRunStart: (name) => names.push(name),
  });
  assert.equal(names, ['unregularised', 'R_2 λ=0.1', 'R_2 λ=1', 'R_3 λ=0.1', 'R_3 λ=1']);
  const f = out.figures as Record<string, any>;
  assert.equal(
    f.sweep.map((r: { order: number | null; lambda: number }) => [r.order, r.lambda]),
    [
      [null, 0],
      [2, 0.1],
      [2, 1],
      [3, 0.1],
      [3, 1],
    ],
  );
  // each regularised run reports the R_K of its own order; λ = 0's model every swept order's
  for (const r of f.sweep.slice(1)) {
    assert.ok(r[`r${r.order}`] > 0, `r${r.order} of R_${r.order} λ=${r.lambda}`);
    assert.not.ok(`r${5 - r.order}` in r, `R_${r.order} run has no r${5 - r.order}`);
  }
  assert.ok(f.r2_unreg > 0 && f.r3_unreg > 0);
  assert.is(f.r2_unreg, f.sweep[0].r2);
  assert.is(f.r3_unreg, f.sweep[0].r3);
  assert.equal(f.orders, [2, 3]);
  // the reported run is the rule's choice among all four regularised runs
  const regs = out.runs.slice(1);
  const { run } = chooseLatentRun(out.unreg, regs, tiny.maxLossRatio);
  assert.is(out.reg, run);
  // here an R_3 run is the choice (the NFE tie, its loss the lowest): a choice among R_2 alone would miss it
  assert.is(run.order, 3);
  assert.is(f.order, run.order);
  assert.is(f.lambda, run.lambda);
  assert.is(f[`r${run.order}_reg`], run.rK);
  // every test series (4 of 20) for the loss and the NFE: --nfe-series 0 is the default
  assert.is(f.test_series, 4);
  assert.is(f.nfe_series, 4);
  for (const [i, r] of out.runs.entries()) {
    const per = (r as LatentRun).nfePerSeries;
    assert.is(per.length, 4);
    const e = expectedStats(per);
    close(r.nfe, e.mean, 'nfe');
    close(r.nfeSd, e.sd, 'nfe_sd');
    close(r.nfeMedian, e.median, 'nfe_median');
    close(r.nfeP90, e.p90, 'nfe_p90');
    assert.equal(f.sweep[i].nfe_per_series, per);
    assert.is(f.sweep[i].nfe_sd, r.nfeSd);
    assert.is(f.sweep[i].nfe_median, r.nfeMedian);
    assert.is(f.sweep[i].nfe_p90, r.nfeP90);
  }
  assert.is(f.nfe_unreg_sd, out.unreg.nfeSd);
  assert.is(f.nfe_reg_sd, out.reg.nfeSd);
  assert.ok(Number.isFinite(f.nfe_true_dynamics_sd) && f.nfe_true_dynamics_sd >= 0);
  assert.match(f.loss_definition, /every test series/);
  assert.equal(files, ['latent-trajectories.svg', 'latent-loss-nfe.svg', 'latent-reconstructions.svg']);
});

test("orderLambdas: an order's own λ sweep replaces --lambdas for it alone", async () => {
  const names: string[] = [];
  const out = await runLatentExperiment(
    runtimeFor('float64'),
    { ...tiny, orderLambdas: { 3: [0.01] } },
    { output: { write: (name) => name }, command: 'test', onRunStart: (name) => names.push(name) },
  );
  assert.equal(names, ['unregularised', 'R_2 λ=0.1', 'R_2 λ=1', 'R_3 λ=0.01']);
  assert.equal((out.figures.settings as LatentSettings).orderLambdas, { 3: [0.01] });
});

/** The parsed options of `taynode latent <args>` (the action replaced), or the parse error's message. */
async function parseLatent(args: string[]): Promise<{ opts?: Record<string, unknown>; message: string }> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerLatentCommand(program);
  let opts: Record<string, unknown> | undefined;
  for (const c of program.commands) c.action((o) => (opts = o));
  try {
    await program.parseAsync(['latent', ...args], { from: 'user' });
  } catch (e) {
    return { message: String((e as Error).message) };
  }
  return { opts, message: '' };
}

test('--order-lambdas K=list, repeatable, into one map; bad input refused, naming it', async () => {
  const { opts } = await parseLatent(['--orders', '2,3', '--order-lambdas', '3=0.001,0.01', '--order-lambdas', '2=1']);
  assert.equal(opts?.orderLambdas, { 3: [0.001, 0.01], 2: [1] });
  for (const bad of [['3'], ['x=1'], ['9=1'], ['0=1'], ['3=0'], ['3=1,-2'], ['3='], ['3=1', '3=2']]) {
    const { message } = await parseLatent(bad.flatMap((b) => ['--order-lambdas', b]));
    assert.match(message, /--order-lambdas/, bad.join(' '));
  }
});

test('checkOrderLambdas: a sweep for an order not swept is refused, naming --order-lambdas', () => {
  checkOrderLambdas([2, 3], { 3: [1] });
  checkOrderLambdas([2], undefined);
  assert.throws(() => checkOrderLambdas([2, 3], { 4: [1] }), /--order-lambdas.*an order that is swept \(2, 3\)/);
});

test('--orders refuses what is not a list of distinct orders in 1..8, naming it', async () => {
  for (const bad of ['2,x', '0', '9', '2,2', '', '2.5', '2,,3']) {
    const { message } = await parseLatent(['--orders', bad]);
    assert.match(message, /--orders.*distinct orders K, integers in 1\.\.8/, bad);
  }
});

test.run();
