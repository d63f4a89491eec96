// The MNIST experiment: the package's data and the stratified split, the model's gradients (head and
// dynamics, with R_3) against central differences, the NFE protocol, λ selection, and a tiny end-to-end
// run of `taynode mnist` (JSON keys, figures, consistent numbers).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { Model } from '../../src/model/model.js';
import { NeuralOde } from '../../src/model/neural-ode.js';
import { softmaxCrossEntropyLoss } from '../../src/model/losses.js';
import {
  CLASSES,
  loadMnistClasses,
  PIXELS,
  permutation,
  proportional,
  rows,
  splitMnist,
} from '../../packages/cli/src/experiments/mnist/data.js';
import { createMnistModel, mnistSpec, paperSchedule } from '../../packages/cli/src/experiments/mnist/model.js';
import {
  argmaxRows,
  crossEntropy,
  evaluateSet,
  measureRk,
  perExampleNfe,
  solverErrors,
} from '../../packages/cli/src/experiments/mnist/evaluate.js';
import { chooseRun, type MnistRun } from '../../packages/cli/src/experiments/mnist/run.js';
import { registerMnistCommand } from '../../packages/cli/src/commands/mnist.js';
import { tinyMnistArgs } from '../helpers/mnist-args.js';

const classes = loadMnistClasses();

/** Runs `taynode mnist` with these arguments, its console output silenced; returns what it printed. */
async function runMnist(args: string[]): Promise<string[]> {
  const program = new Command().exitOverride();
  registerMnistCommand(program);
  const log = console.log;
  const printed: string[] = [];
  console.log = (...a: unknown[]) => {
    printed.push(a.join(' '));
  };
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    console.log = log;
  }
  return printed;
}

test('the package: 10,000 greyscale digits in [0, 1], 784 values each, every class present', () => {
  assert.is(classes.counts.length, CLASSES);
  assert.is(
    classes.counts.reduce((a, b) => a + b, 0),
    10_000,
  );
  const levels = new Set<number>();
  classes.images.forEach((img, d) => {
    assert.is(img.length, classes.counts[d] * PIXELS);
    for (let i = 0; i < img.length; i += 97) {
      assert.ok(img[i] >= 0 && img[i] <= 1);
      levels.add(img[i]);
    }
  });
  assert.ok(levels.size > 50, `greyscale, not binary (${levels.size} levels seen)`);
});

test('stratified split: sizes, class proportions, determinism by seed, nothing lost or duplicated', () => {
  const s = splitMnist(classes, { total: 1000, testFraction: 0.2, seed: 3 });
  assert.is(s.trainLabels.length + s.testLabels.length, 1000);
  const perClass = (labels: Float64Array) =>
    Array.from({ length: CLASSES }, (_, d) => labels.filter((l) => l === d).length);
  const want = proportional(classes.counts, 1000);
  const tr = perClass(s.trainLabels),
    te = perClass(s.testLabels);
  for (let d = 0; d < CLASSES; d++) {
    assert.is(tr[d] + te[d], want[d]);
    assert.is(te[d], Math.round(want[d] * 0.2), `class ${d}: test share`);
  }
  assert.equal(
    splitMnist(classes, { total: 1000, testFraction: 0.2, seed: 3 }).testImages,
    s.testImages,
    'same seed, same split',
  );
  assert.not.equal(
    splitMnist(classes, { total: 1000, testFraction: 0.2, seed: 4 }).testLabels,
    s.testLabels,
    'another seed, another order',
  );
  // all 10,000: train ∪ test is the whole package (pixel sums per class agree)
  const whole = splitMnist(classes, { total: 10_000, testFraction: 0.2, seed: 1 });
  for (let d = 0; d < CLASSES; d++) {
    let want = 0,
      got = 0;
    for (const v of classes.images[d]) want += v;
    for (const [images, labels] of [
      [whole.trainImages, whole.trainLabels],
      [whole.testImages, whole.testLabels],
    ] as const) {
      labels.forEach((l, i) => {
        if (l === d) for (const v of rows(images, PIXELS, i, 1)) got += v;
      });
    }
    assert.ok(Math.abs(want - got) < 1e-6 * want, `class ${d}: ${got} vs ${want}`);
  }
  assert.throws(
    () => splitMnist(classes, { total: 10_001, testFraction: 0.2, seed: 0 }),
    /^digits: expected an integer in \[20, 10000\], got 10001/,
  );
  assert.throws(() => splitMnist(classes, { total: 100, testFraction: 1, seed: 0 }), /^testFraction: /);
});

test('proportional allocation sums exactly and stays within one of the exact share; permutations are permutations', () => {
  const counts = [5, 7, 11, 13];
  for (const total of [1, 4, 17, 36]) {
    const p = proportional(counts, total);
    assert.is(
      p.reduce((a, b) => a + b, 0),
      total,
    );
    p.forEach((v, i) => assert.ok(Math.abs(v - (counts[i] * total) / 36) < 1));
  }
  assert.equal(
    permutation(50, new Rng(2))
      .slice()
      .sort((a, b) => a - b),
    Array.from({ length: 50 }, (_, i) => i),
  );
});

test("the paper's schedule scaled to the run, with a linear warm-up", () => {
  const s = paperSchedule(160, 0.1);
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) <= 1e-15, `${a} vs ${b}`);
  close(s(0), 0.1);
  close(s(59), 0.1);
  close(s(60), 0.01);
  close(s(99), 0.01);
  close(s(100), 1e-3);
  close(s(139), 1e-3);
  close(s(140), 1e-4);
  close(s(1000), 1e-4);
  const w = paperSchedule(320, 0.05, 10);
  assert.ok(Math.abs(w(0) - 0.005) < 1e-15);
  assert.ok(Math.abs(w(5) - (0.005 + 0.045 * 0.5)) < 1e-15);
  close(w(10), 0.05);
  close(w(119), 0.05);
  close(w(120), 0.005);
});

/** The model on a fixed rk4 grid, so that central differences see a smooth function of the weights. */
function gridModel(lambda: number): Model {
  const rt = createRuntimeSync();
  const spec = mnistSpec({ order: 3, lambda, method: 'dopri5', tol: 1e-6 });
  spec.blocks[0].solver = { method: 'rk4', steps: 2 };
  const model = Model.create(rt, spec, new Rng(11));
  // larger weights than at initialisation, so that the dynamics and R_3 are far from trivial
  for (const p of model.params) p.value.copyFrom(p.value.toFloat64Array().map((v) => 4 * v));
  return model;
}

test('gradients of the head and the dynamics (with λ·R_3) match central differences', () => {
  const data = splitMnist(classes, { total: 200, testFraction: 0.1, seed: 0 });
  const x = rows(data.trainImages, PIXELS, 0, 3),
    y = data.trainLabels.subarray(0, 3);
  for (const lambda of [0, 0.5]) {
    const model = gridModel(lambda);
    const r = model.objective(x, y, { loss: softmaxCrossEntropyLoss });
    if (lambda > 0) assert.ok(r.regularizers.r3 > 1e-3, `R_3 matters here (${r.regularizers.r3})`);
    const byName = new Map(model.params.map((p) => [p.name, p]));
    const picks: [string, number][] = [
      ['head.1.weight', 3],
      ['head.1.weight', 7835],
      ['head.1.bias', 4],
      ['blocks.0.1.weight', 1234],
      ['blocks.0.3.weight', 40_000],
      ['blocks.0.3.bias', 500],
    ];
    for (const [name, i] of picks) {
      const p = byName.get(name);
      assert.ok(p, `parameter ${name}`);
      const analytic = p!.grad.toFloat64Array()[i];
      const values = p!.value.toFloat64Array();
      const h = 1e-5;
      const at = (v: number) => {
        const w = values.slice();
        w[i] = v;
        p!.value.copyFrom(w);
        return model.objective(x, y, { loss: softmaxCrossEntropyLoss, gradient: false }).loss;
      };
      const fd = (at(values[i] + h) - at(values[i] - h)) / (2 * h);
      p!.value.copyFrom(values);
      assert.ok(
        Math.abs(fd - analytic) <= 1e-7 + 1e-6 * Math.abs(fd),
        `${name}[${i}] λ=${lambda}: ${analytic} vs ${fd}`,
      );
    }
  }
});

test('classification helpers: argmax rows and cross-entropy against closed forms', () => {
  const logits = Float64Array.from([0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(Array.from(argmaxRows(logits)), [2, 0]);
  const ce = crossEntropy(logits, [2, 1]);
  const row1 = -(2 - Math.log(Math.exp(0) * 8 + Math.exp(1) + Math.exp(2)));
  const row2 = -(0 - Math.log(Math.exp(5) + 9));
  assert.ok(Math.abs(ce - (row1 + row2) / 2) < 1e-12);
});

test('the NFE protocol: the prediction alone, batches solved jointly, per example on their own', () => {
  const rt = createRuntimeSync();
  const data = splitMnist(classes, { total: 200, testFraction: 0.1, seed: 0 });
  const reg = createMnistModel(rt, { order: 3, lambda: 1, method: 'dopri5', tol: 1e-6 }, new Rng(5));
  for (const p of reg.params) p.value.copyFrom(p.value.toFloat64Array().map((v) => 12 * v));
  const plain = createMnistModel(rt, { order: 3, lambda: 0, method: 'dopri5', tol: 1e-6 }, new Rng(5));
  plain.params.forEach((p, i) => p.value.copyFrom(reg.params[i].value.toFloat64Array()));
  const solver = { method: 'dopri5' as const, rtol: 1e-7, atol: 1e-7 };
  const x = rows(data.trainImages, PIXELS, 0, 30),
    y = data.trainLabels.subarray(0, 30);
  const e = evaluateSet(reg, x, y, solver, 20);
  assert.is(e.batchNfe.length, 2, 'batches of 20 and 10');
  assert.is(e.batchNfe[0], plain.predict(rows(x, PIXELS, 0, 20), { solver }).blockStats[0].nfe);
  assert.is(e.batchNfe[1], plain.predict(rows(x, PIXELS, 20, 10), { solver }).blockStats[0].nfe);
  assert.is(e.nfe, (e.batchNfe[0] + e.batchNfe[1]) / 2);
  // with the R_3 state in the solve (and its error norm) the steps would differ: the check above can tell
  const block = reg.blocks[0];
  const augmented = new Model(rt, {
    blocks: [new NeuralOde(rt, block.network, { ...block.config, solver: { ...solver, errorNorm: 'all' } })],
    head: reg.head,
  });
  const aug = augmented.objective(rows(x, PIXELS, 0, 20), y.subarray(0, 20), {
    loss: softmaxCrossEntropyLoss,
    gradient: false,
  });
  assert.ok(
    aug.nfeForward !== e.batchNfe[0],
    `R_3 in the error norm changes the NFE (${aug.nfeForward} vs ${e.batchNfe[0]})`,
  );
  let single = 0;
  for (let i = 0; i < 5; i++) single += plain.predict(rows(x, PIXELS, i, 1), { solver }).blockStats[0].nfe;
  assert.is(perExampleNfe(reg, x, solver, 5), single / 5);
  // the same partition into batches (each batch's step sizes are its own)
  const out = Float64Array.from([
    ...plain.predict(rows(x, PIXELS, 0, 20), { solver }).output,
    ...plain.predict(rows(x, PIXELS, 20, 10), { solver }).output,
  ]);
  const guess = argmaxRows(out);
  assert.is(e.error, guess.filter((g, i) => g !== y[i]).length / 30);
  assert.ok(
    Math.abs(e.loss - crossEntropy(out, y)) <= 1e-12 * Math.max(1, e.loss),
    `${e.loss} vs ${crossEntropy(out, y)}`,
  );
  assert.ok(measureRk(reg, rows(x, PIXELS, 0, 10), y.subarray(0, 10), 3, solver) > 0);
  const errs = solverErrors(plain, rows(x, PIXELS, 0, 10), 'dopri5', [1e-3, 1e-6], 1e-10);
  assert.ok(
    errs[0].maxError > errs[1].maxError && errs[1].maxError > 0 && errs[1].nfe > errs[0].nfe,
    JSON.stringify(errs),
  );
  assert.ok(errs.every((r) => r.rmsError <= r.maxError));
});

test('choosing λ: fewest NFE within the error budget (percentage points), else the lowest error', () => {
  const run = (lambda: number, error: number, nfe: number) =>
    ({ lambda, test: { error }, train: { nfe } }) as unknown as MnistRun;
  const base = run(0, 0.05, 100);
  assert.is(chooseRun(base, [run(0.1, 0.055, 60), run(1, 0.0599, 40), run(10, 0.08, 20)], 1).run.lambda, 1);
  const none = chooseRun(base, [run(1, 0.07, 40), run(10, 0.09, 20)], 1);
  assert.is(none.run.lambda, 1);
  assert.is(none.withinBudget, false);
});

test('taynode mnist: a tiny run writes the JSON (keys, finite and consistent numbers) and the figures', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'taynode-mnist-'));
  try {
    const json = join(dir, 'mnist.json');
    const printed = await runMnist([
      'mnist',
      '--digits',
      '300',
      '--iterations',
      '3',
      '--batch-size',
      '20',
      '--lambdas',
      '0.5',
      '--train-tol',
      '1e-4',
      '--eval-tol',
      '1e-6',
      '--nfe-batch',
      '50',
      '--eval-train',
      '100',
      '--per-example',
      '2',
      '--curve-points',
      '2',
      '--rk-images',
      '10',
      '--error-tols',
      '1e-3,1e-5',
      '--ref-tol',
      '1e-8',
      '--error-images',
      '5',
      '--warmup',
      '1',
      '--no-progress',
      '--out',
      dir,
      '--json',
      json,
    ]);
    const r = JSON.parse(readFileSync(json, 'utf8'));
    // 3 iterations: the verdict is printed as meaningless, and the JSON says why
    assert.ok(
      printed.some((l) =>
        l.startsWith('note: a run of 3 iterations (0.25 epochs) is too short for this verdict to mean anything'),
      ),
      printed.join('\n'),
    );
    assert.ok(
      printed.some((l) => l.includes('target (≥ 2× fewer NFE, ≤ +1 pp) ') && l.endsWith('(not meaningful: too short)')),
    );
    assert.match(r.verdict_too_short, 'too short');
    for (const key of [
      'nfe_unreg',
      'nfe_reg',
      'test_error_unreg',
      'test_error_reg',
      'lambda',
      'train_time_unreg_s',
      'train_time_reg_s',
      'train_time_ratio',
      'settings',
      'sweep',
    ])
      assert.ok(key in r, key);
    assert.is(r.lambda, 0.5);
    assert.is(r.sweep.length, 2);
    for (const k of ['nfe_unreg', 'nfe_reg', 'train_time_unreg_s', 'train_time_reg_s', 'train_time_ratio'])
      assert.ok(Number.isFinite(r[k]) && r[k] > 0, k);
    assert.ok(Math.abs(r.nfe_ratio - r.nfe_unreg / r.nfe_reg) < 1e-12);
    assert.ok(Math.abs(r.train_time_ratio - r.train_time_reg_s / r.train_time_unreg_s) < 1e-12);
    assert.ok(r.train_cpu_unreg_s > 0 && Math.abs(r.train_cpu_ratio - r.train_cpu_reg_s / r.train_cpu_unreg_s) < 1e-12);
    assert.is(r.sweep[1].train_cpu_seconds, r.train_cpu_reg_s);
    assert.is(r.test_error_unreg, r.sweep[0].test_error);
    assert.is(r.test_error_reg, r.sweep[1].test_error);
    assert.is(r.nfe_unreg, r.sweep[0].nfe_train);
    assert.equal(
      r.sweep[0].nfe_train_batches.length,
      2,
      '240 training images evaluated: the first 100, in batches of 50',
    );
    assert.is(r.settings.train_size + r.settings.test_size, 300);
    assert.is(r.settings.iterations_per_run, 3);
    assert.is(r.sweep[1].curve.length, 2);
    assert.is(r.sweep[1].solver_errors.length, 2);
    assert.ok(r.sweep[1].r3 > 0 && r.sweep[0].r3 > 0);
    for (const e of [r.test_error_unreg, r.test_error_reg]) assert.ok(e >= 0 && e <= 1);
    for (const f of [
      'fig3-nfe-error.svg',
      'fig5a-loss-nfe.svg',
      'fig7-rk-nfe.svg',
      'fig8-overconfidence-generalisation.svg',
    ]) {
      const svg = readFileSync(join(dir, f), 'utf8');
      assert.ok(svg.startsWith('<svg'), f);
    }
    assert.not.ok(existsSync(join(dir, 'fig6-orders-solvers.svg')), 'Fig. 6 only with --fig6');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('taynode mnist --fig6: one unregularised and one run per order for each solver, and the figure', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'taynode-mnist6-'));
  try {
    const json = join(dir, 'mnist.json');
    await runMnist([
      'mnist',
      ...tinyMnistArgs({ iterations: '2', 'ref-tol': '1e-7' }),
      '--fig6',
      '--fig6-methods',
      'bosh3,heun_euler',
      '--fig6-orders',
      '2',
      '--fig6-tol',
      '1e-3',
      '--no-progress',
      '--out',
      dir,
      '--json',
      json,
    ]);
    const r = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(
      r.fig6.map((p: { method: string; order: number | string }) => `${p.method}:${p.order}`),
      ['bosh3:none', 'bosh3:2', 'heun_euler:none', 'heun_euler:2'],
    );
    for (const p of r.fig6) assert.ok(p.nfe > 0 && Number.isFinite(p.loss) && p.rK > 0);
    assert.is(r.fig6[0].lambda, 0);
    assert.is(r.fig6[1].lambda, r.settings.fig6Lambda);
    assert.ok(readFileSync(join(dir, 'fig6-orders-solvers.svg'), 'utf8').startsWith('<svg'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('taynode mnist --gradient backprop trains as checkpoint does (the same gradient), recorded in the settings', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'taynode-mnist-gradient-'));
  const runWith = async (gradient: string): Promise<Record<string, any>> => {
    const out = join(dir, gradient),
      json = join(out, 'mnist.json');
    // --no-lazy-terms: backprop integrates R_K in the forward solve, so checkpoint must too for equal losses
    await runMnist([
      'mnist',
      ...tinyMnistArgs({ iterations: '3' }),
      '--no-progress',
      '--no-lazy-terms',
      '--gradient',
      gradient,
      '--out',
      out,
    ]);
    return JSON.parse(readFileSync(json, 'utf8'));
  };
  try {
    const checkpoint = await runWith('checkpoint'),
      backprop = await runWith('backprop');
    assert.is(backprop.settings.gradient, 'backprop');
    assert.is(checkpoint.settings.gradient, 'checkpoint');
    for (const [a, b] of checkpoint.sweep.map((run: Record<string, any>, i: number) => [run, backprop.sweep[i]])) {
      assert.is(b.nfe_train, a.nfe_train);
      assert.is(b.test_error, a.test_error);
      assert.ok(Math.abs(b.r3 - a.r3) <= 1e-9 * Math.abs(a.r3), `R_3 ${b.r3} vs ${a.r3}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
