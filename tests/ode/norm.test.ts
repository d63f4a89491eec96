// The error norm as a solve option (src/ode/norm.ts): the default is the weighted RMS the solver always
// used; a strategy of the caller's replaces it for the step's error ratio and the initial step alike.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { odeint } from '../../src/ode/index.js';
import { rmsNorm, type NormStrategy } from '../../src/ode/norm.js';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { ArgumentError } from '../../src/errors.js';
import { PROBLEMS } from './problems.js';

const rt = createRuntimeSync();
const options = { rtol: 1e-6, atol: 1e-8, runtime: rt };

test("rmsNorm passed explicitly takes exactly the default solve's steps and values", () => {
  for (const p of PROBLEMS) {
    const plain = odeint(p.f, p.y0, [0, 2], options);
    const explicit = odeint(p.f, p.y0, [0, 2], { ...options, norm: rmsNorm });
    assert.equal(explicit.stats, plain.stats, p.name);
    assert.equal(Array.from(explicit.ys[1]), Array.from(plain.ys[1]), p.name);
  }
});

test('a norm scaled by 2 is the same solve at half the tolerances (the norm decides every step)', () => {
  const doubled: NormStrategy = (setup) => {
    const inner = rmsNorm(setup);
    return (v, y0, y1) => 2 * inner(v, y0, y1);
  };
  let built = 0;
  const counting: NormStrategy = (setup) => {
    built++;
    assert.is(setup.components, setup.n, 'the norm runs over the whole state by default');
    return doubled(setup);
  };
  for (const p of PROBLEMS) {
    const viaNorm = odeint(p.f, p.y0, [0, 2], { ...options, norm: counting });
    const viaTolerance = odeint(p.f, p.y0, [0, 2], { rtol: 5e-7, atol: 5e-9, runtime: rt });
    assert.equal(viaNorm.stats, viaTolerance.stats, p.name);
    const plain = odeint(p.f, p.y0, [0, 2], options);
    assert.ok(viaNorm.stats.nfe > plain.stats.nfe, `${p.name}: a stricter norm costs more evaluations`);
  }
  assert.is(built, PROBLEMS.length, 'built once per solve');
});

test('the norm option is checked by name', () => {
  const p = PROBLEMS[0];
  assert.throws(
    () => odeint(p.f, p.y0, [0, 1], { ...options, norm: 'rms' as never }),
    (e: unknown) => e instanceof ArgumentError && /norm/.test((e as Error).message),
  );
});

test.run();
