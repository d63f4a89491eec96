// A float32 PyTorch module saved with safetensors.torch.save_file (tests/fixtures/torch-f32-model.*,
// made by scripts/torch-interop.py export) loads, and taynode's f equals PyTorch's on a fixed input:
// to f64 rounding against PyTorch's float64 evaluation of the same weights, and to f32 rounding against
// its float32 one. CI has no PyTorch; this test reads only the committed fixture.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Tensor } from '../../src/runtime/tensor.js';
import { loadModel, saveModel } from '../../src/model/serialize.js';
import { decodeSafetensors } from '../../src/io/safetensors.js';

const rt = createRuntimeSync();
const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url);
const bytes = new Uint8Array(readFileSync(fixture('torch-f32-model.safetensors')));
const expected: { t: number; z: number[][]; f_float32: number[][]; f_float64: number[][] } = JSON.parse(
  readFileSync(fixture('torch-f32-model.expected.json'), 'utf8'),
);

function taynodeF(): number[] {
  const { model } = loadModel(rt, bytes);
  const d = model.stateSize;
  const z = Tensor.from(rt.arena, expected.z.flat(), expected.z.length, d);
  const out = Tensor.zeros(rt.arena, expected.z.length, d);
  model.network.graph.f(expected.t, z, out);
  return Array.from(out.data);
}

test('the fixture is what PyTorch writes: F32 tensors, biases 1-D', () => {
  const { tensors } = decodeSafetensors(bytes);
  assert.equal(tensors.get('layer0.weight')!.shape, [6, 4]);
  assert.equal(tensors.get('layer0.bias')!.shape, [6]);
  assert.equal(tensors.get('layer2.weight')!.shape, [3, 6]);
  const raw = new TextDecoder().decode(
    bytes.subarray(8, 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true))),
  );
  assert.ok(raw.includes('"dtype":"F32"') && !raw.includes('"F64"'), 'float32 throughout');
});

test("f equals PyTorch's float64 evaluation of the same weights to f64 rounding, and its float32 one to f32 rounding", () => {
  const f = taynodeF();
  expected.f_float64
    .flat()
    .forEach((want, i) => assert.ok(Math.abs(f[i] - want) <= 1e-14, `f[${i}] = ${f[i]}, PyTorch float64 ${want}`));
  expected.f_float32
    .flat()
    .forEach((want, i) =>
      assert.ok(
        Math.abs(f[i] - want) <= 1e-6 * Math.max(1, Math.abs(want)),
        `f[${i}] = ${f[i]}, PyTorch float32 ${want}`,
      ),
    );
});

test('saved back as F32, the weights are the same float32 bits PyTorch wrote', () => {
  const { model } = loadModel(rt, bytes);
  const ours = decodeSafetensors(saveModel(model, {}, { dtype: 'F32' })).tensors;
  for (const [name, t] of decodeSafetensors(bytes).tensors) {
    assert.equal(ours.get(name)!.shape, t.shape, name);
    assert.equal(Array.from(ours.get(name)!.data), Array.from(t.data), name);
  }
});

test.run();
