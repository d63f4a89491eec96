// A composed model built in PyTorch (GRU encoder + readout → one block with ConcatLinear and
// ConcatSquashLinear dynamics → head), saved float32 with safetensors.torch.save_file
// (tests/fixtures/torch-f32-composed.*, made by scripts/torch-interop.py export-model), loads with
// loadComposedModel; one GRU step, the encoder output, the block's f and the head output equal
// PyTorch's float64 evaluation of the same weights to 1e-12 relative. CI has no PyTorch; this test
// reads only the committed fixture (`torch-interop.py check-model` checks taynode's files in PyTorch).
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Tape } from '../../src/autodiff/tape.js';
import { decodeSafetensors } from '../../src/io/safetensors.js';
import { Model, type ModelSpec } from '../../src/model/model.js';
import { loadComposedModel, loadWeights, saveModel } from '../../src/model/serialize.js';
import type { GruEncoder } from '../../src/nn/gru-encoder.js';
import { tapeOps } from '../../src/nn/ops.js';
import { Rng } from '../../src/random.js';
import { Tensor } from '../../src/runtime/tensor.js';
import { createRuntimeSync } from '../../src/runtime/wasm.js';

const rt = createRuntimeSync();
const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url);
const bytes = new Uint8Array(readFileSync(fixture('torch-f32-composed.safetensors')));
type Rows = number[][];
const expected: {
  t: number;
  x: Rows;
  gru_x: Rows;
  gru_h: Rows;
  z: Rows;
  z0: Rows;
  f: Rows;
  head: Rows;
  gru_step: Rows;
} = JSON.parse(readFileSync(fixture('torch-f32-composed.expected.json'), 'utf8'));

const tensor = (rows: Rows) => Tensor.from(rt.arena, rows.flat(), rows.length, rows[0].length);

/** |ours − PyTorch's| ≤ 1e-12 · max |PyTorch's|, elementwise, with the shapes equal. */
function assertClose(ours: Tensor, want: Rows, what: string) {
  assert.equal(ours.shape, [want.length, want[0].length], `${what}: shape`);
  const flat = want.flat();
  const scale = Math.max(...flat.map(Math.abs));
  const got = ours.toFloat64Array();
  flat.forEach((w, i) =>
    assert.ok(Math.abs(got[i] - w) <= 1e-12 * scale, `${what}[${i}] = ${got[i]}, PyTorch float64 ${w}`),
  );
}

function paramsOf(model: Model): Map<string, Float64Array> {
  return new Map(model.params.map((p) => [p.name, p.value.toFloat64Array()]));
}

function assertSameParams(a: Model, b: Model, what: string) {
  const pa = paramsOf(a),
    pb = paramsOf(b);
  assert.equal([...pb.keys()], [...pa.keys()], `${what}: names`);
  for (const [name, values] of pa) {
    const other = pb.get(name)!;
    assert.equal(other.length, values.length, `${what}: ${name} size`);
    // bit for bit: Object.is tells 0 from −0
    values.forEach((v, i) => assert.ok(Object.is(v, other[i]), `${what}: ${name}[${i}] ${other[i]} ≠ ${v}`));
  }
}

test("the fixture is PyTorch's: F32 tensors under taynode's parameter names, biases 1-D", () => {
  const { tensors, metadata } = decodeSafetensors(bytes);
  assert.is(metadata.format, 'taynode.model');
  const shapes = Object.fromEntries([...tensors].map(([name, t]) => [name, t.shape]));
  assert.equal(shapes, {
    'encoder.gru.weight_ih': [15, 3],
    'encoder.gru.weight_hh': [15, 5],
    'encoder.gru.bias_ih': [15],
    'encoder.gru.bias_hh': [15],
    'encoder.readout.weight': [4, 5],
    'encoder.readout.bias': [4],
    'blocks.0.1.weight': [8, 5],
    'blocks.0.1.bias': [8],
    'blocks.0.3._layer.weight': [4, 8],
    'blocks.0.3._layer.bias': [4],
    'blocks.0.3._hyper_gate.weight': [4, 1],
    'blocks.0.3._hyper_gate.bias': [4],
    'blocks.0.3._hyper_bias.weight': [4, 1],
    'head.1.weight': [3, 4],
    'head.1.bias': [3],
  });
  const raw = new TextDecoder().decode(
    bytes.subarray(8, 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true))),
  );
  assert.ok(raw.includes('"dtype":"F32"') && !raw.includes('"F64"'), 'float32 throughout');
});

test("one GRU step, the encoder, the block's f and the head equal PyTorch's float64 values to 1e-12 relative", () => {
  rt.arena.scope(() => {
    const { model } = loadComposedModel(rt, bytes);
    const encoder = model.encoder as GruEncoder;
    assert.ok('gru' in encoder, 'a GRU encoder');
    assert.is(model.stateSize, 4);
    assert.is(model.inputWidth, 12);
    assert.is(model.outputWidth, 3);

    // torch.nn.GRUCell itself is the reference for the cell
    const tape = new Tape(rt);
    const ops = tapeOps(tape, 0, { grad: false });
    assertClose(
      encoder.gru.step(ops, tape.constant(tensor(expected.gru_x)), tape.constant(tensor(expected.gru_h))).value,
      expected.gru_step,
      'GRU step',
    );

    // as Model's encode: the encoder on the tape at t = 0
    assertClose(encoder.apply(ops, tape.constant(tensor(expected.x)), tape).value, expected.z0, 'z0');

    const out = Tensor.zeros(rt.arena, expected.z.length, model.stateSize);
    model.blocks[0].network.graph.f(expected.t, tensor(expected.z), out);
    assertClose(out, expected.f, 'f');

    // as Model's decode: the head on the tape at the last block's t1
    const headOps = tapeOps(tape, model.blocks[0].config.t1 ?? 1, { grad: false });
    assertClose(model.head!.apply(headOps, tape.constant(tensor(expected.z))).value, expected.head, 'head');
  });
});

test('predict runs the loaded model end to end (encoder → block → head)', () => {
  const { model } = loadComposedModel(rt, bytes);
  const { output, z1 } = model.predict(new Float64Array(expected.x.flat()));
  assert.is(z1.length, 2 * 4);
  assert.is(output.length, 2 * 3);
  assert.ok(output.every(Number.isFinite));
});

test('saveModel then loadComposedModel gives every parameter bit for bit (F64, and F32 for these float32 weights)', () => {
  const { model } = loadComposedModel(rt, bytes);
  assertSameParams(model, loadComposedModel(rt, saveModel(model)).model, 'F64 round trip');
  const f32 = saveModel(model, {}, { dtype: 'F32' });
  assertSameParams(model, loadComposedModel(rt, f32).model, 'F32 round trip');
  // and the F32 file holds the very tensors PyTorch wrote
  const ours = decodeSafetensors(f32).tensors;
  for (const [name, t] of decodeSafetensors(bytes).tensors) {
    assert.equal(ours.get(name)!.shape, t.shape, name);
    assert.equal(Array.from(ours.get(name)!.data), Array.from(t.data), name);
  }
});

test('loadWeights fills a freshly created Model of the same spec with the same parameters', () => {
  const { model, metadata } = loadComposedModel(rt, bytes);
  const spec: ModelSpec = JSON.parse(metadata.spec);
  const fresh = Model.create(rt, spec, new Rng(3));
  assert.not.ok(
    paramsOf(fresh)
      .get('head.1.weight')!
      .every((v, i) => v === paramsOf(model).get('head.1.weight')![i]),
    'fresh weights differ first',
  );
  loadWeights(fresh, bytes);
  assertSameParams(model, fresh, 'loadWeights');
  assert.equal(fresh.spec, model.spec);
});

test.run();
