// The reverse of a plain (non-Taylor) stage hands the caller's cotangent k̄ straight to the program's
// backward, which reads the output's cotangent in place: no copies of it per VJP (issue 22's profile of
// the plain step). Pinned here: the gradients stay bitwise what they were with the copies, in f64 and
// f32, for 'backprop' (stored stages) and 'checkpoint' (replayed stages), and the copies are gone.
import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync, type Runtime } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { Model, type ModelSpec } from '../../src/model/model.js';
import { softmaxCrossEntropyLoss } from '../../src/model/losses.js';
import type { GradientMethod } from '../../src/gradients/method.js';
import { neededStages } from '../../src/gradients/replay.js';
import { TABLEAUS } from '../../src/ode/tableaus.js';

const [PIXELS, HIDDEN, CLASSES, BATCH] = [12, 5, 3, 4];

/** The MNIST classifier's shape (sigmoid → concat t → linear → sigmoid → concat t → linear), small. */
function classifier(rt: Runtime, gradient: GradientMethod): Model {
  const spec: ModelSpec = {
    blocks: [
      {
        dynamics: {
          type: 'sequential',
          layers: [
            { type: 'activation', fn: 'sigmoid' },
            { type: 'concatLinear', inputs: PIXELS, outputs: HIDDEN },
            { type: 'activation', fn: 'sigmoid' },
            { type: 'concatLinear', inputs: HIDDEN, outputs: PIXELS },
          ],
        },
        terms: [],
        solver: { method: 'dopri5', rtol: 1e-5, atol: 1e-5, errorNorm: 'state' },
        gradient,
      },
    ],
    head: { type: 'sequential', layers: [{ type: 'linear', inputs: PIXELS, outputs: CLASSES }] },
  };
  return Model.create(rt, spec, new Rng(5));
}

/** sha256 of the loss and every gradient's bits, with the step's NFE. */
function stepDigest(rt: Runtime, gradient: GradientMethod): string {
  const model = classifier(rt, gradient);
  const rng = new Rng(21);
  const x = Float64Array.from({ length: BATCH * PIXELS }, () => 3 * rng.uniform() - 1.5);
  const labels = Float64Array.from({ length: BATCH }, (_, i) => i % CLASSES);
  const r = model.objective(x, labels, { loss: softmaxCrossEntropyLoss, rng: new Rng(9) });
  const hash = createHash('sha256');
  hash.update(new Uint8Array(Float64Array.of(r.loss, r.nfeForward, r.nfeBackward).buffer));
  for (const p of model.params) hash.update(new Uint8Array(p.grad.toFloat64Array().buffer));
  return hash.digest('hex').slice(0, 16);
}

// The baseline kernels: the same bits on every host (the relaxed build may fuse multiply-adds).
const runtimes = {
  f64: createRuntimeSync({ kernels: 'baseline' }),
  f32: createRuntimeSync({ dtype: 'float32', kernels: 'baseline' }),
};

/** Digests of the step before the copies went (same runtimes, same bits). */
const DIGESTS: Record<string, string> = {
  'f64 backprop': '0e6190625eb0ee63',
  'f64 checkpoint': 'cfbc33f69c9adbed',
  'f32 backprop': '3e6d0959a91f3514',
  'f32 checkpoint': '3e24afcacb870edb',
};

for (const [dtype, rt] of Object.entries(runtimes)) {
  for (const gradient of ['backprop', 'checkpoint'] as const) {
    test(`${dtype} ${gradient}: the plain step's loss and gradients are bitwise unchanged`, () => {
      assert.is(stepDigest(rt, gradient), DIGESTS[`${dtype} ${gradient}`]);
    });
  }
}

/** Kernel copies after the forward solve's last error estimate (the backward pass and the head). */
function backwardCopies(gradient: GradientMethod): { copies: number; vjps: number } {
  const rt = createRuntimeSync({ kernels: 'baseline' });
  const k = rt.kernels as unknown as Record<string, (...args: number[]) => unknown>;
  let copies = 0;
  const copy = k.copy;
  k.copy = (...args: number[]) => {
    copies++;
    return copy(...args);
  };
  const errorRatio = k.rk_error_ratio;
  k.rk_error_ratio = (...args: number[]) => {
    copies = 0; // the forward solve is still running
    return errorRatio(...args);
  };
  const model = classifier(rt, gradient);
  const rng = new Rng(21);
  const x = Float64Array.from({ length: BATCH * PIXELS }, () => 3 * rng.uniform() - 1.5);
  const labels = Float64Array.from({ length: BATCH }, (_, i) => i % CLASSES);
  const r = model.objective(x, labels, { loss: softmaxCrossEntropyLoss, rng: new Rng(9) });
  const kept = neededStages(TABLEAUS.dopri5).filter(Boolean).length;
  return { copies, vjps: r.forwardStats.acceptedSteps * kept };
}

test("backprop: reversing the stored stages copies nothing (it made 2 copies of f's cotangent per VJP)", () => {
  const { copies, vjps } = backwardCopies('backprop');
  assert.ok(vjps > 0);
  assert.is(copies, 0);
});

test("checkpoint: a replayed stage copies only its input and output (it copied f's cotangent twice too)", () => {
  const { copies, vjps } = backwardCopies('checkpoint');
  assert.ok(vjps > 0);
  assert.is(copies, 2 * vjps);
});

test.run();
