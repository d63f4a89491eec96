// solver.steps and solver.maxSteps are checked together when a model is configured: a fixed grid of
// more steps than the attempt budget (default 100000) could never finish, so it is refused at once
// rather than failing every solve with MaxStepsError.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArgumentError } from '../../src/errors.js';
import { checkSolverConfig } from '../../src/model/solver-config.js';
import { NeuralOde } from '../../src/model/neural-ode.js';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';

const rt = createRuntimeSync();
const refused = (pattern: RegExp) => (e: unknown) =>
  e instanceof ArgumentError && e.argument === 'solver.steps' && pattern.test(e.message);

test('steps above the default maxSteps (100000) is refused naming both', () => {
  assert.throws(
    () => checkSolverConfig({ method: 'rk4', steps: 1e6 }),
    refused(/at most solver\.maxSteps \(100000, the default\)/),
  );
  assert.throws(
    () =>
      NeuralOde.create(
        rt,
        { dynamics: { type: 'linear', inputs: 1, outputs: 1 }, solver: { method: 'rk4', steps: 200_000 } },
        new Rng(1),
      ),
    refused(/maxSteps/),
  );
});

test('steps above a given maxSteps is refused; raising maxSteps with it is accepted', () => {
  assert.throws(
    () => checkSolverConfig({ method: 'euler', steps: 5, maxSteps: 4 }),
    refused(/at most solver\.maxSteps \(4\)/),
  );
  checkSolverConfig({ method: 'rk4', steps: 1e6, maxSteps: 1e6 });
  checkSolverConfig({ method: 'rk4', steps: 100_000 });
});

test.run();
