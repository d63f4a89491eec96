import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../../src/runtime/wasm.js';
import { Rng } from '../../../src/random.js';
import { ArgumentError } from '../../../src/errors.js';
import { makeDataset } from '../../../packages/cli/src/experiments/cnf/data.js';
import { createFlow, evaluateDensity, trainingTerms } from '../../../packages/cli/src/experiments/cnf/model.js';
import {
  batchRatios,
  evaluateBatches,
  meanAndSd,
  meanAndSe,
  quantiles,
} from '../../../packages/cli/src/experiments/cnf/evaluate.js';

const rt = createRuntimeSync();
const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('meanAndSe / meanAndSd: the sample sd (n − 1) and se = sd / √n, by hand', () => {
  // 1, 2, 3, 4: mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5, sd = √(5/3), se = √(5/3)/2
  const { mean, sd } = meanAndSd([1, 2, 3, 4]);
  close(mean, 2.5);
  close(sd, Math.sqrt(5 / 3));
  close(meanAndSe([1, 2, 3, 4]).se, Math.sqrt(5 / 3) / 2);
  assert.ok(Number.isNaN(meanAndSd([7]).sd) && Number.isNaN(meanAndSe([7]).se), 'one value has no spread');
  assert.ok(Number.isNaN(meanAndSd([]).mean));
});

test('batchRatios: the NFE ratio batch by batch, its mean and sd; batches must match', () => {
  const r = batchRatios([80, 60], [40, 50]);
  assert.equal(r.ratios, [2, 1.2]);
  close(r.mean, 1.6);
  close(r.sd, Math.sqrt(0.32));
  assert.throws(
    () => batchRatios([1, 2], [1]),
    (e: Error) => e instanceof ArgumentError && /reg/.test(e.message),
  );
  assert.equal(quantiles([4, 1, 3, 2], [0, 0.5, 1]), [1, 2.5, 4]);
});

test('evaluateBatches: each batch is one plain dopri5 solve (its NFE), the NLL is the mean ± se over every point, per-example NFE are single solves', () => {
  const flow = createFlow(
    rt,
    { dim: 2, hidden: [8, 8], activation: 'tanh' },
    trainingTerms('none', 0, 'gaussian'),
    { method: 'rk4', steps: 4 },
    new Rng(3),
  );
  const test = makeDataset('8gaussians', 10, 25, 4).test;
  const e = evaluateBatches(flow, test, { tol: 1e-6, batchSize: 10, perExample: 3 });
  const plain = [
    [0, 10],
    [10, 20],
    [20, 25],
  ].map(([a, b]) => evaluateDensity(flow, test.subarray(2 * a, 2 * b), 1e-6));
  assert.is(e.batches, 3);
  assert.is(e.examples, 25);
  assert.equal(
    e.nfeBatches,
    plain.map((p) => p.nfe),
  );
  const nfe = meanAndSd(plain.map((p) => p.nfe));
  close(e.nfe, nfe.mean);
  close(e.nfeSd, nfe.sd);
  const all = plain.flatMap((p) => [...p.perExample]);
  close(e.nll, all.reduce((a, v) => a + v, 0) / 25);
  close(e.nllSe, meanAndSd(all).sd / 5);
  assert.equal(
    e.nfePerExample,
    [0, 1, 2].map((i) => evaluateDensity(flow, test.subarray(2 * i, 2 * i + 2), 1e-6).nfe),
  );
  assert.ok(new Set(e.nfeBatches).size >= 1 && e.nfePerExample.every((n) => n > 0));
  // the experiment's own NLL (the digits' pixel space) replaces the flow's, point by point
  const shifted = evaluateBatches(flow, test, {
    tol: 1e-6,
    batchSize: 10,
    perExample: 0,
    reportedNll: (nll) => nll.map((v) => v + 1),
  });
  close(shifted.nll, e.nll + 1, 1e-12);
  assert.equal(shifted.nfePerExample, []);
  assert.throws(
    () => evaluateBatches(flow, test, { tol: 1e-6, batchSize: 0, perExample: 0 }),
    (err: Error) => err instanceof ArgumentError && /batchSize/.test(err.message),
  );
});

test.run();
