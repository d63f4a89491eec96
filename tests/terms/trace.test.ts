// The CNF integrand −tr(∂f/∂z) (src/terms/trace.ts): the exact trace against a finite-difference
// Jacobian's, and the chunked exact trace (a batch too wide for one workspace, taken a few examples at a
// time) against the one-chunk trace, forward and VJP, with a tail chunk smaller than the rest.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Tensor } from '../../src/runtime/tensor.js';
import { Rng } from '../../src/random.js';
import { mlpDynamics } from '../../src/nn/mlp.js';
import { NegativeTrace } from '../../src/terms/trace.js';
import { assertClose, randomArray } from '../helpers/numeric.js';

const rt = createRuntimeSync();
const { arena } = rt;
const [BATCH, D] = [7, 5];
const rng = new Rng(41);
const dyn = mlpDynamics(rt, { widths: [D, 11, 9, D], activation: 'softplus' }, rng);
const z = Tensor.from(arena, randomArray(rng, BATCH * D), BATCH, D);
const w = Tensor.from(arena, randomArray(rng, BATCH), BATCH, 1);
const t = 0.3;

/** −tr and its VJP (gz, every parameter's grad) from a trace bounded to `bytes` of workspace. */
function traceAndVjp(bytes?: number) {
  const trace = new NegativeTrace(rt, dyn.graph, BATCH, 'exact', bytes);
  return arena.scope(() => {
    const out = Tensor.zeros(arena, BATCH, 1);
    const gz = Tensor.zeros(arena, BATCH, D);
    for (const p of dyn.params) p.grad.data.fill(0);
    trace.forward(t, z.offset, 0, out.offset);
    trace.vjp(w.offset, gz.offset);
    return {
      chunk: trace.chunk,
      out: out.toFloat64Array(),
      gz: gz.toFloat64Array(),
      params: dyn.params.map((p) => p.grad.toFloat64Array()),
    };
  });
}

test('exact trace: −tr(∂f/∂z) per example equals the central-difference Jacobian’s', () => {
  const { out } = traceAndVjp();
  const base = z.toFloat64Array();
  const h = 1e-5;
  const fAt = (x: Float64Array) =>
    arena.scope(() => {
      const zz = Tensor.from(arena, x, BATCH, D);
      const f = Tensor.empty(arena, BATCH, D);
      dyn.f(t, zz, f);
      return f.toFloat64Array();
    });
  const expected = new Float64Array(BATCH);
  for (let i = 0; i < D; i++) {
    const up = base.slice(),
      down = base.slice();
    for (let b = 0; b < BATCH; b++) {
      up[b * D + i] += h;
      down[b * D + i] -= h;
    }
    const fu = fAt(up),
      fd = fAt(down);
    for (let b = 0; b < BATCH; b++) expected[b] -= (fu[b * D + i] - fd[b * D + i]) / (2 * h);
  }
  assertClose(out, expected, 1e-8, '−tr');
});

for (const examples of [1, 2, 3]) {
  test(`exact trace in chunks of ${examples} example(s) (tail ${BATCH % examples}) equals the one-chunk trace and its VJP`, () => {
    const whole = traceAndVjp();
    assert.is(whole.chunk, BATCH);
    const perExample = new NegativeTrace(rt, dyn.graph, 1, 'exact').workspaceBytesPerExample;
    const chunked = traceAndVjp(examples * perExample + perExample / 2);
    assert.is(chunked.chunk, examples);
    assertClose(chunked.out, whole.out, 1e-14, '−tr');
    assertClose(chunked.gz, whole.gz, 1e-14, 'gz');
    chunked.params.forEach((g, i) => assertClose(g, whole.params[i], 1e-14, dyn.params[i].name));
  });
}

test('exact trace: a bound below one example’s workspace still takes one example at a time', () => {
  assert.is(new NegativeTrace(rt, dyn.graph, BATCH, 'exact', 1).chunk, 1);
});

test.run();
