// Taylor mode vs one evaluation of f and vs the nested-JVP reference, for the paper's MNIST dynamics
// (state 784: sigmoid → concat t → Linear(100) → sigmoid → concat t → Linear(784), batch 100) and a
// small tanh MLP (2 → 64 → 64 → 2, batch 256), K = 1..6: the solution derivative d^K z/dt^K and the
// gradient of ||d^K z/dt^K||² with respect to θ and z. Everything is timed side by side in one run.
import { createRuntimeSync } from '../src/runtime/wasm.js';
import { Tensor } from '../src/runtime/tensor.js';
import { Rng } from '../src/random.js';
import { Tape } from '../src/autodiff/tape.js';
import { mlpDynamics, type MlpSpec } from '../src/nn/mlp.js';
import type { Dynamics } from '../src/nn/vector-field.js';
import { taylorRegulariser } from '../src/terms/integrands.js';
import { nestedSolutionDerivative } from '../src/taylor/nested-jvp.js';
import { solutionJet } from '../src/taylor/solution.js';
import { writeResults } from './results-file.js';

const rt = createRuntimeSync();
const { arena } = rt;
const KS = [1, 2, 3, 4, 5, 6];

interface Timed {
  fn: () => void;
  /** each round calls fn until this many ms have passed (0: once) */
  minMs: number;
}

/**
 * Milliseconds per call of each function, measured in interleaved rounds and keeping each one's best
 * round: on a shared machine load bursts then hit all candidates alike, and the minimum is the least
 * disturbed figure. Slow candidates (the nested reference at high K) run once per round.
 */
function timeTogether(fns: Record<string, Timed | null>, rounds: number): Record<string, number | null> {
  const best: Record<string, number | null> = {};
  for (const [name, t] of Object.entries(fns)) {
    best[name] = t === null ? null : Infinity;
    t?.fn(); // warm-up (compiles programs, grows memory)
  }
  for (let r = 0; r < rounds; r++) {
    for (const [name, t] of Object.entries(fns)) {
      if (t === null) continue;
      let calls = 0;
      const start = performance.now();
      let elapsed = 0;
      do {
        t.fn();
        calls++;
        elapsed = performance.now() - start;
      } while (elapsed < t.minMs);
      best[name] = Math.min(best[name]!, elapsed / calls);
    }
  }
  return best;
}

function nested(dyn: Dynamics, z: Tensor, K: number, gradient: boolean): void {
  arena.scope(() => {
    const tape = new Tape(rt);
    const params = new Map(dyn.params.map((p) => [p, gradient ? tape.parameter(p) : tape.constant(p.value)]));
    const zv = gradient ? tape.variable(z) : tape.constant(z);
    const d = nestedSolutionDerivative(tape, dyn.graph, params, 0.5, zv, K);
    if (gradient) tape.backward(tape.sumSquares(d));
  });
}

function network(name: string, spec: MlpSpec, batch: number, maxNestedK: number) {
  const rng = new Rng(2020);
  const dyn = mlpDynamics(rt, spec, rng);
  const d = spec.widths[0];
  const z = Tensor.from(
    arena,
    rng.fill(new Float64Array(batch * d), (r) => r.uniformIn(-1, 1)),
    batch,
    d,
  );
  const out = Tensor.empty(arena, batch, d);
  const gz = Tensor.zeros(arena, batch, d);
  console.log(`\n${name}: widths ${spec.widths.join('→')}, batch ${batch}`);
  console.log('  K | d^K z: ×f   vs nested | grad ||d^K z||²: ×f   vs nested');
  const figures: Record<string, Record<string, number | null>> = {
    cost_ratio: {},
    vs_nested: {},
    grad_cost_ratio: {},
    grad_vs_nested: {},
    f_ms: {},
    taylor_ms: {},
    nested_ms: {},
    grad_taylor_ms: {},
    grad_nested_ms: {},
  };
  // Warm-up: let the JIT tier up the interpreters' loops before anything is timed.
  const warm = performance.now();
  while (performance.now() - warm < 1000) {
    dyn.f(0.5, z, out);
    taylorRegulariser(dyn, 0.5, z, 2, { gz });
    nested(dyn, z, 2, true);
  }
  for (const K of KS) {
    const prog = dyn.jets(batch, K);
    const withNested = K <= maxNestedK;
    const fast = (fn: () => void): Timed => ({ fn, minMs: 40 });
    const slowMs = K >= 4 ? 0 : 40;
    const ms = timeTogether(
      {
        f: fast(() => dyn.f(0.5, z, out)),
        taylor: fast(() => arena.scope(() => solutionJet(prog, 0.5, z.offset, K))),
        grad: fast(() => taylorRegulariser(dyn, 0.5, z, K, { gz })),
        nested: withNested ? { fn: () => nested(dyn, z, K, false), minMs: slowMs } : null,
        gradNested: withNested ? { fn: () => nested(dyn, z, K, true), minMs: slowMs } : null,
      },
      K >= 5 ? 4 : 7,
    );
    const [fMs, taylorMs, gradMs] = [ms.f!, ms.taylor!, ms.grad!];
    const key = `K${K}`;
    figures.cost_ratio[key] = taylorMs / fMs;
    figures.vs_nested[key] = ms.nested === null ? null : ms.nested / taylorMs;
    figures.grad_cost_ratio[key] = gradMs / fMs;
    figures.grad_vs_nested[key] = ms.gradNested === null ? null : ms.gradNested / gradMs;
    figures.f_ms[key] = fMs;
    figures.taylor_ms[key] = taylorMs;
    figures.nested_ms[key] = ms.nested;
    figures.grad_taylor_ms[key] = gradMs;
    figures.grad_nested_ms[key] = ms.gradNested;
    const fmt = (v: number | null, w = 7) => (v === null ? 'n/a' : v.toFixed(2)).padStart(w);
    console.log(
      `  ${K} | ${fmt(figures.cost_ratio[key])} ${fmt(figures.vs_nested[key], 10)} | ${fmt(figures.grad_cost_ratio[key], 14)} ${fmt(figures.grad_vs_nested[key], 10)}   (f ${fMs.toFixed(2)} ms)`,
    );
  }
  return figures;
}

export async function run(): Promise<void> {
  const mnist = network('mnist', { widths: [784, 100, 784], activation: 'sigmoid', activateInput: true }, 100, 6);
  const small = network('small', { widths: [2, 64, 64, 2], activation: 'tanh' }, 256, 6);
  writeResults('taylor', {
    description:
      'Taylor mode: cost of d^K z/dt^K (and of the gradient of ||d^K z/dt^K||²) in units of one f evaluation, and speed-up over nested JVPs',
    mnist,
    small,
  });
}
