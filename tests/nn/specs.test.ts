// Layer descriptions are checked strictly (unknown keys, types, widths, activations refused by name),
// parameter shapes are known from a description alone, and initialisers are seeded and drawn from the
// documented ranges.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { ArgumentError } from '../../src/errors.js';
import { checkLayerSpec, createLayer, paramShapes } from '../../src/nn/spec.js';
import { MAX_WIDTH } from '../../src/nn/spec-checks.js';
import { sequential } from '../../src/nn/sequential.js';
import { linear } from '../../src/nn/dense.js';
import { gruCell } from '../../src/nn/gru.js';
import { gruEncoder } from '../../src/nn/gru-encoder.js';
import type { LayerSpec } from '../../src/nn/layer.js';

const rt = createRuntimeSync();

const refused = (value: unknown, argument: RegExp) =>
  assert.throws(
    () => checkLayerSpec(value),
    (e: unknown) => e instanceof ArgumentError && argument.test(e.message),
    JSON.stringify(value),
  );

test('descriptions: unknown keys, types, widths and activations are refused by name', () => {
  refused(
    { type: 'linear', inputs: 2, outputs: 3, bais: false },
    /^layer\.bais: unknown key; expected one of type, inputs, outputs, bias/,
  );
  refused({ type: 'linear', inputs: 2, outputs: 0 }, /^layer\.outputs: expected an integer width/);
  refused({ type: 'linear', inputs: 2.5, outputs: 1 }, /^layer\.inputs/);
  refused({ type: 'linear', inputs: MAX_WIDTH + 1, outputs: 1 }, /^layer\.inputs/);
  refused({ type: 'conv', inputs: 2, outputs: 1 }, /^layer\.type: expected one of linear/);
  refused({ type: 'activation', fn: 'gelu' }, /^layer\.fn: expected one of tanh/);
  refused({ type: 'sequential', layers: [] }, /^layer\.layers/);
  refused(
    { type: 'sequential', layers: [{ type: 'activation', fn: 'tanh', extra: 1 }] },
    /^layer\.layers\[0\]\.extra: unknown key/,
  );
  refused(null, /^layer: expected a layer description/);
  refused([{ type: 'linear' }], /^layer: expected a layer description/);
});

test("paramShapes: the shapes a description implies equal the created parameters' shapes", () => {
  const spec: LayerSpec = {
    type: 'sequential',
    layers: [
      { type: 'concatSquashLinear', inputs: 2, outputs: 8 },
      { type: 'activation', fn: 'softplus' },
      { type: 'concatLinear', inputs: 8, outputs: 3 },
      { type: 'linear', inputs: 3, outputs: 2, bias: false },
    ],
  };
  const layer = createLayer(rt, spec, { rng: new Rng(1), name: 'm' });
  const created = new Map(layer.params.map((p) => [p.name, p.shape]));
  assert.equal([...paramShapes(spec, 'm')].sort(), [...created].sort());
});

test('sequential: mismatched widths are refused naming the layer', () => {
  const rng = new Rng(0);
  assert.throws(
    () => sequential([linear(rt, { inputs: 2, outputs: 3 }, { rng }), linear(rt, { inputs: 4, outputs: 2 }, { rng })]),
    (e: unknown) => e instanceof ArgumentError && /^layers\[1\]\.inputs: expected 3/.test(e.message),
  );
});

test("initialisers: seeded; PyTorch's U(±1/√fan_in) for weight and bias, Glorot's U(±√(6/(in+out))) with zero bias", () => {
  const make = (init: 'pytorch' | 'glorot', seed: number) =>
    createLayer(rt, { type: 'linear', inputs: 50, outputs: 30 }, { rng: new Rng(seed), init });
  const a = make('pytorch', 3),
    b = make('pytorch', 3),
    c = make('pytorch', 4);
  assert.equal(a.params[0].value.toFloat64Array(), b.params[0].value.toFloat64Array());
  assert.not.equal(a.params[0].value.toFloat64Array(), c.params[0].value.toFloat64Array());
  const maxAbs = (x: Float64Array) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const [w, bias] = a.params.map((p) => p.value.toFloat64Array());
  assert.ok(maxAbs(w) <= 1 / Math.sqrt(50) && maxAbs(w) > 0.9 / Math.sqrt(50), `pytorch weight range ${maxAbs(w)}`);
  assert.ok(
    maxAbs(bias) <= 1 / Math.sqrt(50) && maxAbs(bias) > 0.5 / Math.sqrt(50),
    `pytorch bias range ${maxAbs(bias)}`,
  );
  const g = make('glorot', 3);
  const [gw, gb] = g.params.map((p) => p.value.toFloat64Array());
  const bound = Math.sqrt(6 / 80);
  assert.ok(maxAbs(gw) <= bound && maxAbs(gw) > 0.9 * bound, `glorot weight range ${maxAbs(gw)} vs ${bound}`);
  assert.is(maxAbs(gb), 0);
  // Variance of U(±a) is a²/3: a loose check that the draws fill the range uniformly.
  const variance = gw.reduce((s, v) => s + v * v, 0) / gw.length;
  assert.ok(
    Math.abs(variance / ((bound * bound) / 3) - 1) < 0.1,
    `glorot variance ratio ${variance / ((bound * bound) / 3)}`,
  );
});

test('layer constructors called from code are strict too: sizes, flags, options, initialiser, rng, layer values', () => {
  const rng = new Rng(0);
  const refused = (f: () => unknown, pattern: RegExp) =>
    assert.throws(f, (e: unknown) => e instanceof ArgumentError && pattern.test(e.message), String(pattern));
  refused(() => linear(rt, { inputs: 2, outputs: 3, bais: false } as never, { rng }), /^linear\.bais: unknown key/);
  refused(
    () => linear(rt, { inputs: 2, outputs: 3, bias: 'false' as never }, { rng }),
    /^linear\.bias: expected true or false/,
  );
  refused(() => linear(rt, { inputs: 2, outputs: 3 }, { rng, nmae: 'x' } as never), /^options\.nmae: unknown key/);
  refused(
    () => linear(rt, { inputs: 2, outputs: 3 }, { rng, init: 'xavier' as never }),
    /^options\.init: expected one of pytorch, glorot/,
  );
  refused(() => linear(rt, { inputs: 2, outputs: 3 }, {} as never), /^options\.rng: expected an Rng/);
  refused(() => gruCell(rt, { inputs: 2, hidden: 3, bias: false } as never, { rng }), /^gru\.bias: unknown key/);
  refused(
    () =>
      gruEncoder(
        rt,
        {
          type: 'gru',
          inputs: 2,
          hidden: 3,
          steps: 2,
          readout: { type: 'linear', inputs: 3, outputs: 1 },
          bidirectional: true,
        } as never,
        { rng },
      ),
    /^encoder\.bidirectional: unknown key/,
  );
  refused(
    () =>
      gruEncoder(
        rt,
        {
          type: 'gru',
          inputs: 2,
          hidden: 3,
          steps: 2,
          reverse: 'yes' as never,
          readout: { type: 'linear', inputs: 3, outputs: 1 },
        },
        { rng },
      ),
    /^encoder\.reverse: expected true or false/,
  );
  refused(() => createLayer(rt, { type: 'activation', fn: 'tanh' }, { rng, init: 'he' as never }), /^options\.init/);
  refused(
    () => sequential([{ type: 'linear', inputs: 2, outputs: 2 }] as never),
    /^layers\[0\]: expected a layer value/,
  );
});

test('descriptions are bounded however they nest: total layers and nesting depth', () => {
  let deep: LayerSpec = { type: 'activation', fn: 'tanh' };
  for (let i = 0; i < 9; i++) deep = { type: 'sequential', layers: [deep] };
  assert.throws(
    () => checkLayerSpec(deep),
    (e: unknown) => e instanceof ArgumentError && /nested at most 8 deep/.test(e.message),
  );
  const wide: LayerSpec = {
    type: 'sequential',
    layers: Array.from({ length: 60 }, () => ({
      type: 'sequential' as const,
      layers: Array.from({ length: 60 }, () => ({ type: 'activation' as const, fn: 'tanh' as const })),
    })),
  };
  assert.throws(
    () => checkLayerSpec(wide),
    (e: unknown) => e instanceof ArgumentError && /at most 256 layers in one description/.test(e.message),
  );
});

test.run();
