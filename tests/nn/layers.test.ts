// Every src/nn layer against central finite differences in f64: on the eager tape (encoders, heads:
// gradients w.r.t. the input and every parameter) and inside dynamics (the compiled graph's VJP:
// ∂/∂z, ∂/∂t and every parameter). Taylor mode of the same layers is checked against nested JVPs in
// tests/taylor/nested-jvp.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Tensor } from '../../src/runtime/tensor.js';
import { Rng } from '../../src/random.js';
import { Tape } from '../../src/autodiff/tape.js';
import type { Parameter } from '../../src/autodiff/parameter.js';
import { tapeOps } from '../../src/nn/ops.js';
import { createLayer } from '../../src/nn/spec.js';
import { gruCell } from '../../src/nn/gru.js';
import { layerDynamics, defineDynamics } from '../../src/nn/define-dynamics.js';
import type { Layer, LayerSpec } from '../../src/nn/layer.js';
import { ACTIVATIONS } from '../../src/autodiff/ops/index.js';
import { checkDirectional } from '../helpers/gradcheck.js';
import { randomArray } from '../helpers/numeric.js';

const rt = createRuntimeSync();
const { arena } = rt;

const SPECS: [string, LayerSpec, number][] = [
  ['linear', { type: 'linear', inputs: 3, outputs: 4 }, 3],
  ['linear without bias', { type: 'linear', inputs: 3, outputs: 2, bias: false }, 3],
  ['concatLinear', { type: 'concatLinear', inputs: 3, outputs: 3 }, 3],
  ['concatSquashLinear', { type: 'concatSquashLinear', inputs: 3, outputs: 3 }, 3],
  // log needs positive inputs: softplus before it.
  [
    'sequential with log',
    {
      type: 'sequential',
      layers: [
        { type: 'concatLinear', inputs: 3, outputs: 5 },
        { type: 'activation', fn: 'softplus' },
        { type: 'activation', fn: 'log' },
        { type: 'linear', inputs: 5, outputs: 3 },
      ],
    },
    3,
  ],
  ...ACTIVATIONS.filter((a) => a !== 'log').map((fn): [string, LayerSpec, number] => [
    `sequential with ${fn}`,
    {
      type: 'sequential',
      layers: [
        { type: 'concatLinear', inputs: 3, outputs: 5 },
        { type: 'activation', fn },
        { type: 'linear', inputs: 5, outputs: 3 },
      ],
    },
    3,
  ]),
];

/** L = Σ w ⊙ layer(x) on a fresh tape, at time t; gradients into params and gx. */
function tapeLoss(layer: Layer, x: Tensor, w: Float64Array, t: number, gx?: Tensor): number {
  return arena.scope(() => {
    const tape = new Tape(rt);
    const ops = tapeOps(tape, t);
    const xv = gx ? tape.variable(x, gx) : tape.constant(x);
    const y = layer.apply(ops, xv);
    const loss = tape.sum(tape.mul(y, tape.constant(Tensor.from(arena, w, y.shape[0], y.shape[1]))));
    if (gx) tape.backward(loss);
    return loss.value.data[0];
  });
}

for (const [name, spec, width] of SPECS) {
  test(`${name}: tape gradients (input and every parameter) match central differences`, () => {
    const rng = new Rng(name.length * 13 + 1);
    const layer = createLayer(rt, spec, { rng, name: 'l' });
    const batch = 4,
      t = 0.3;
    const x = Tensor.from(arena, randomArray(rng, batch * width), batch, width);
    const outW = layer.outputs ?? width;
    const w = Float64Array.from(randomArray(rng, batch * outW));
    const gx = Tensor.zeros(arena, batch, width);
    for (const p of layer.params) p.zeroGrad(rt);
    tapeLoss(layer, x, w, t, gx);
    const loss = () => tapeLoss(layer, x, w, t);
    checkDirectional(`${name} ∂/∂x`, loss, x, gx.toFloat64Array(), rng, { tol: 1e-7 });
    for (const p of layer.params)
      checkDirectional(`${name} ∂/∂${p.name}`, loss, p.value, p.grad.toFloat64Array(), rng, { tol: 1e-7 });
  });

  const mapsStateToItself = !(spec.type === 'linear' && spec.outputs !== spec.inputs);
  if (mapsStateToItself)
    test(`${name}: as dynamics, the graph VJP (∂/∂z, ∂/∂t, parameters) matches central differences`, () => {
      const rng = new Rng(name.length * 17 + 5);
      const layer = createLayer(rt, spec, { rng, name: 'f' });
      const dyn = layerDynamics(rt, layer, width);
      const batch = 3;
      let t = -0.4;
      const z = Tensor.from(arena, randomArray(rng, batch * width), batch, width);
      const gOut = Tensor.from(arena, randomArray(rng, batch * width), batch, width);
      const gz = Tensor.zeros(arena, batch, width);
      dyn.zeroGrad();
      const dt = dyn.vjp(t, z, gOut, gz);
      const loss = () =>
        arena.scope(() => {
          const out = Tensor.empty(arena, batch, width);
          dyn.f(t, z, out);
          return out.toFloat64Array().reduce((s, v, i) => s + v * gOut.data[i], 0);
        });
      checkDirectional(`${name} ∂/∂z`, loss, z, gz.toFloat64Array(), rng, { tol: 1e-7 });
      for (const p of dyn.params)
        checkDirectional(`${name} ∂/∂${p.name}`, loss, p.value, p.grad.toFloat64Array(), rng, { tol: 1e-7 });
      const h = 1e-6;
      const at = (s: number) => {
        const t0 = t;
        t = t0 + s * h;
        const v = loss();
        t = t0;
        return v;
      };
      const fd = (at(1) - at(-1)) / (2 * h);
      assert.ok(Math.abs(fd - dt) <= 1e-7 * Math.max(1, Math.abs(fd)), `${name} ∂/∂t: ${dt} vs ${fd}`);
    });
}

test("GRUCell: tape gradients (input, hidden state, every parameter) match central differences; parameter names and shapes are nn.GRUCell's", () => {
  const rng = new Rng(99);
  const cell = gruCell(rt, { inputs: 3, hidden: 4 }, { rng, name: 'gru' });
  const batch = 5;
  const x = Tensor.from(arena, randomArray(rng, batch * 3), batch, 3);
  const h0 = Tensor.from(arena, randomArray(rng, batch * 4), batch, 4);
  const w = Float64Array.from(randomArray(rng, batch * 4));
  const run = (gx?: Tensor, gh?: Tensor) =>
    arena.scope(() => {
      const tape = new Tape(rt);
      const ops = tapeOps(tape);
      const h = cell.step(
        ops,
        gx ? tape.variable(x, gx) : tape.constant(x),
        gh ? tape.variable(h0, gh) : tape.constant(h0),
      );
      const loss = tape.sum(tape.mul(h, tape.constant(Tensor.from(arena, w, batch, 4))));
      if (gx) tape.backward(loss);
      return loss.value.data[0];
    });
  for (const p of cell.params) p.zeroGrad(rt);
  const gx = Tensor.zeros(arena, batch, 3),
    gh = Tensor.zeros(arena, batch, 4);
  run(gx, gh);
  checkDirectional('GRU ∂/∂x', () => run(), x, gx.toFloat64Array(), rng, { tol: 1e-7 });
  checkDirectional('GRU ∂/∂h', () => run(), h0, gh.toFloat64Array(), rng, { tol: 1e-7 });
  for (const p of cell.params)
    checkDirectional(`GRU ∂/∂${p.name}`, () => run(), p.value, p.grad.toFloat64Array(), rng, { tol: 1e-7 });
  assert.equal(
    cell.params.map((p) => [p.name, p.shape]),
    [
      ['gru.weight_ih', [12, 3]],
      ['gru.weight_hh', [12, 4]],
      ['gru.bias_ih', [1, 12]],
      ['gru.bias_hh', [1, 12]],
    ],
  );
});

test("GRUCell equals the gate equations written out by hand (PyTorch's order r, z, n)", () => {
  const rng = new Rng(5);
  const H = 2,
    I = 3;
  const cell = gruCell(rt, { inputs: I, hidden: H }, { rng });
  const x = randomArray(rng, I),
    h = randomArray(rng, H);
  const [Wi, Wh, bi, bh] = cell.params.map((p) => p.value.toFloat64Array());
  const row = (W: Float64Array, b: Float64Array, v: Float64Array, r: number) =>
    b[r] + v.reduce((s, vj, j) => s + W[r * v.length + j] * vj, 0);
  const sig = (u: number) => 1 / (1 + Math.exp(-u));
  const expected = Array.from({ length: H }, (_, j) => {
    const r = sig(row(Wi, bi, x, j) + row(Wh, bh, h, j));
    const z = sig(row(Wi, bi, x, H + j) + row(Wh, bh, h, H + j));
    const n = Math.tanh(row(Wi, bi, x, 2 * H + j) + r * row(Wh, bh, h, 2 * H + j));
    return (1 - z) * n + z * h[j];
  });
  const got = arena.scope(() => {
    const tape = new Tape(rt);
    return cell
      .step(tapeOps(tape), tape.constant(Tensor.from(arena, x, 1, I)), tape.constant(Tensor.from(arena, h, 1, H)))
      .value.toFloat64Array();
  });
  got.forEach((g, j) => assert.ok(Math.abs(g - expected[j]) < 1e-14, `h'[${j}] = ${g}, expected ${expected[j]}`));
});

test("ConcatSquashLinear equals Lin(x)·σ(W_g·t + b_g) + W_b·t written out by hand, with FFJORD's parameter names", () => {
  const rng = new Rng(8);
  const layer = createLayer(rt, { type: 'concatSquashLinear', inputs: 2, outputs: 3 }, { rng, name: 'odefunc' });
  assert.equal(
    layer.params.map((p) => p.name),
    [
      'odefunc._layer.weight',
      'odefunc._layer.bias',
      'odefunc._hyper_gate.weight',
      'odefunc._hyper_gate.bias',
      'odefunc._hyper_bias.weight',
    ],
  );
  const [W, b, Wg, bg, Wb] = layer.params.map((p) => p.value.toFloat64Array());
  const x = [0.3, -1.2],
    t = 0.7;
  const expected = [0, 1, 2].map(
    (o) => (b[o] + W[2 * o] * x[0] + W[2 * o + 1] * x[1]) / (1 + Math.exp(-(Wg[o] * t + bg[o]))) + Wb[o] * t,
  );
  const got = arena.scope(() => {
    const tape = new Tape(rt);
    return layer.apply(tapeOps(tape, t), tape.constant(Tensor.from(arena, x, 1, 2))).value.toFloat64Array();
  });
  got.forEach((g, o) => assert.ok(Math.abs(g - expected[o]) < 1e-14, `y[${o}] = ${g}, expected ${expected[o]}`));
});

test("the paper's MNIST dynamics are a few lines of code: sigmoid first, then concat t → Linear → sigmoid → concat t → Linear", () => {
  const rng = new Rng(2);
  const D = 6,
    H = 4;
  const spec: LayerSpec = {
    type: 'sequential',
    layers: [
      { type: 'activation', fn: 'sigmoid' },
      { type: 'concatLinear', inputs: D, outputs: H },
      { type: 'activation', fn: 'sigmoid' },
      { type: 'concatLinear', inputs: H, outputs: D },
    ],
  };
  const layer = createLayer(rt, spec, { rng, name: 'f' });
  assert.equal(
    layer.params.map((p) => `${p.name} [${p.shape}]`),
    ['f.1.weight [4,7]', 'f.1.bias [1,4]', 'f.3.weight [6,5]', 'f.3.bias [1,6]'],
  );
  assert.is(layer.inputs, D);
  const dyn = layerDynamics(rt, layer, D);
  // The same function written as code, over the same parameters.
  const [l1, l3] = [(layer as unknown as { params: Parameter[] }).params.slice(0, 2), layer.params.slice(2)];
  const byHand = defineDynamics(rt, D, (f, z) =>
    f.linear(
      f.concatTime(f.activation('sigmoid', f.linear(f.concatTime(f.activation('sigmoid', z)), l1[0], l1[1]))),
      l3[0],
      l3[1],
    ),
  );
  arena.scope(() => {
    const z = Tensor.from(arena, randomArray(rng, 2 * D), 2, D);
    const a = Tensor.empty(arena, 2, D),
      b = Tensor.empty(arena, 2, D);
    dyn.f(0.25, z, a);
    byHand.f(0.25, z, b);
    assert.equal(a.toFloat64Array(), b.toFloat64Array());
  });
});

test.run();
