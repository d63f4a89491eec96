// net_eval / net_stage (assembly/inference.ts and its f32 twin) against a plain-TypeScript evaluation
// of the same layer stacks (Math.* activations, sums in f64) on awkward sizes: widths 1, 3, 7, 64, 129,
// 300 (k = 301 crosses the 256-long chunks), batches 1, 3 (rows past the four-row tiles), 4 and 7 (a
// tile and rows past it), every activation, linear with and without bias, concat-time linear and
// ConcatSquashLinear. Bounds: f64 1e-12 of each output's scale (the activations' few ulp, sums
// reordered); f32 inputs rounded the same, 2e-5 (f32 sums and activations of ≤ 8 ulp).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync, type Runtime } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { NeuralOde } from '../../src/model/neural-ode.js';
import { compileNetwork, layoutTable, type LayerOp, type LayerStack } from '../../src/inference/index.js';
import type { LayerSpec } from '../../src/nn/layer.js';
import { randomArray, relativeError } from '../helpers/numeric.js';
import { ACTIVATIONS, type Activation } from '../../src/autodiff/ops/index.js';

const MATH: Record<Activation, (x: number) => number> = {
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  softplus: (x) => Math.log1p(Math.exp(x)),
  relu: (x) => Math.max(x, 0),
  sin: Math.sin,
  cos: Math.cos,
  exp: Math.exp,
  log: Math.log,
  square: (x) => x * x,
};

/** The stack on one row of x, in plain TypeScript. */
function reference(stack: LayerStack, t: number, x: Float64Array): Float64Array {
  let v = Array.from(x);
  const read = (op: Extract<LayerOp, { weight: unknown }>) => ({
    w: op.weight.value.toFloat64Array(),
    b: 'bias' in op && op.bias ? op.bias.value.toFloat64Array() : null,
  });
  for (const op of stack.ops) {
    if (op.kind === 'activation') {
      v = v.map(MATH[op.fn]);
      continue;
    }
    const { w, b } = read(op);
    const input = op.kind === 'linear' && op.concat ? [...v, t] : v;
    const k = input.length;
    let y = Array.from({ length: op.outputs }, (_, j) =>
      input.reduce((s, xi, p) => s + xi * w[j * k + p], b ? b[j] : 0),
    );
    if (op.kind === 'squash') {
      const g = op.gateWeight.value.toFloat64Array(),
        gb = op.gateBias.value.toFloat64Array(),
        sw = op.shiftWeight.value.toFloat64Array();
      y = y.map((yj, j) => yj * MATH.sigmoid(t * g[j] + gb[j]) + t * sw[j]);
    }
    v = y;
  }
  return Float64Array.from(v);
}

function evaluate(rt: Runtime, stack: LayerStack, batch: number, t: number, x: Float64Array): Float64Array {
  const { arena, kernels: k } = rt;
  return arena.scope(() => {
    const table = layoutTable(stack, batch, arena.valueBytes);
    const tp = arena.allocBytes(table.words.length * 4);
    new Uint32Array(arena.memory.buffer, tp, table.words.length).set(table.words);
    const work = arena.allocBytes(table.workBytes);
    const xp = arena.alloc(x.length),
      out = arena.alloc(x.length);
    arena.write(xp, x);
    k.net_eval(tp, table.count, work, t, xp, out, batch);
    return arena.read(out, x.length);
  });
}

const STACKS: [string, (d: number) => LayerSpec][] = [
  [
    'concatLinear–tanh–linear',
    (d) => ({
      type: 'sequential',
      layers: [
        { type: 'concatLinear', inputs: d, outputs: 7 },
        { type: 'activation', fn: 'tanh' },
        { type: 'linear', inputs: 7, outputs: d },
      ],
    }),
  ],
  [
    'squash–softplus–linear without bias',
    (d) => ({
      type: 'sequential',
      layers: [
        { type: 'concatSquashLinear', inputs: d, outputs: 5 },
        { type: 'activation', fn: 'softplus' },
        { type: 'linear', inputs: 5, outputs: d, bias: false },
      ],
    }),
  ],
  ...ACTIVATIONS.filter((a) => a !== 'log').map((fn): [string, (d: number) => LayerSpec] => [
    `${fn} first, then concatLinear`,
    (d) => ({
      type: 'sequential',
      layers: [
        { type: 'activation', fn },
        { type: 'concatLinear', inputs: d, outputs: d },
      ],
    }),
  ]),
  [
    'log of an exp (log where it is well conditioned)',
    (d) => ({
      type: 'sequential',
      layers: [
        { type: 'linear', inputs: d, outputs: d },
        { type: 'activation', fn: 'exp' },
        { type: 'activation', fn: 'log' },
      ],
    }),
  ],
];

for (const [dtype, rt] of [
  ['f64', createRuntimeSync()],
  ['f32', createRuntimeSync({ dtype: 'float32' })],
] as const) {
  const bound = dtype === 'f64' ? 1e-12 : 2e-5;
  for (const [name, spec] of STACKS) {
    test(`${dtype} net_eval, ${name}: the plain-TypeScript reference at widths 1…300, batches 1, 3, 4, 7`, () => {
      for (const d of [1, 3, 7, 64, 129, 300]) {
        const model = NeuralOde.create(rt, { dynamics: spec(d) }, new Rng(d));
        const stack = compileNetwork(model.network, d) as LayerStack;
        assert.type(stack, 'object');
        for (const batch of [1, 3, 4, 7]) {
          const x = randomArray(new Rng(batch + d), batch * d, -1.5, 1.5).map(dtype === 'f32' ? Math.fround : (v) => v);
          const t = dtype === 'f32' ? Math.fround(0.37) : 0.37;
          const got = evaluate(rt, stack, batch, t, x);
          for (let b = 0; b < batch; b++) {
            const want = reference(stack, t, x.subarray(b * d, (b + 1) * d));
            const err = relativeError(got.subarray(b * d, (b + 1) * d), want, 1);
            assert.ok(err <= bound, `d ${d}, batch ${batch}, row ${b}: error ${err.toExponential(2)}`);
          }
        }
      }
    });
  }
  test(`${dtype} net_stage: the stage sum y0 + h·Σ c_j k_j, then the stack at it`, () => {
    const d = 7,
      batch = 3,
      n = batch * d;
    const model = NeuralOde.create(rt, { mlp: { widths: [d, 9, d], activation: 'tanh' } }, new Rng(1));
    const stack = compileNetwork(model.network, d) as LayerStack;
    const { arena, kernels: k } = rt;
    const rng = new Rng(2);
    const [y0, k0, k1] = [0, 1, 2].map(() => randomArray(rng, n).map(dtype === 'f32' ? Math.fround : (v) => v));
    const h = 0.125,
      c = [0.3, -0.7];
    const got = arena.scope(() => {
      const table = layoutTable(stack, batch, arena.valueBytes);
      const tp = arena.allocBytes(table.words.length * 4);
      new Uint32Array(arena.memory.buffer, tp, table.words.length).set(table.words);
      const work = arena.allocBytes(table.workBytes);
      const [py, pk0, pk1, stage, out] = [y0, k0, k1, y0, y0].map((v) => {
        const p = arena.alloc(n);
        arena.write(p, v);
        return p;
      });
      const terms = arena.allocBytes(32);
      arena.f64.set([c[0], pk0, c[1], pk1], terms / 8);
      k.net_stage(tp, table.count, work, 0.5, py, h, terms, 2, stage, out, batch, n);
      return { stage: arena.read(stage, n), out: arena.read(out, n) };
    });
    const stage = y0.map((v, i) => v + h * (c[0] * k0[i] + c[1] * k1[i]));
    assert.ok(relativeError(got.stage, stage, 1) <= (dtype === 'f64' ? 1e-15 : 1e-6), 'the stage');
    for (let b = 0; b < batch; b++) {
      const want = reference(stack, 0.5, got.stage.subarray(b * d, (b + 1) * d));
      assert.ok(relativeError(got.out.subarray(b * d, (b + 1) * d), want, 1) <= bound, `row ${b}`);
    }
  });
}

test.run();
