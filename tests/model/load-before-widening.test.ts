// Loading checks a file's tensor names and shapes before any tensor is widened to f64, and refuses,
// by tensor name, F64 values a float32 runtime cannot hold (they would be stored as ±Infinity, turn
// every parameter into NaN in training, and be saved as a file the loader itself refuses).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { NeuralOde, type NeuralOdeConfig } from '../../src/model/neural-ode.js';
import { Model } from '../../src/model/model.js';
import { loadComposedModel, loadModel, loadWeights, saveModel } from '../../src/model/serialize.js';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from '../../src/io/safetensors.js';
import { refusedCheaply } from '../helpers/refused-cheaply.js';

const config: NeuralOdeConfig = { mlp: { widths: [2, 3, 2], activation: 'tanh' }, solver: { method: 'rk4', steps: 2 } };
const rt64 = createRuntimeSync();
const saved = saveModel(NeuralOde.create(rt64, config, new Rng(1)));
const { tensors, metadata } = decodeSafetensors(saved);

test('an unexpected tensor is refused before any tensor is widened (an 8M-value F32 stray would widen to 64 MB)', () => {
  const stray = new Map(tensors);
  stray.set('zz.stray', { shape: [8_000_000], data: new Float64Array(8_000_000) });
  const bytes = encodeSafetensors(stray, metadata, { dtype: 'F32' });
  refusedCheaply(bytes, /unexpected tensor "zz.stray"/);
});

test('F64 weights beyond float32 range are refused by a float32 runtime, by tensor name; a float64 runtime loads them', () => {
  const big = new Map(tensors);
  const weight = big.get('layer1.weight')!;
  const data = weight.data.slice();
  data[3] = 1e39;
  big.set('layer1.weight', { shape: weight.shape, data });
  const bytes = encodeSafetensors(big, metadata);
  const rt32 = createRuntimeSync({ dtype: 'float32' });
  const beyond = (e: unknown) =>
    e instanceof SafetensorsError && /tensor "layer1.weight" holds 1e\+39 at 3, beyond float32 range/.test(e.message);
  assert.throws(() => loadModel(rt32, bytes), beyond);
  assert.throws(() => loadComposedModel(rt32, bytes), beyond);
  assert.throws(() => loadWeights(NeuralOde.create(rt32, config, new Rng(2)), bytes), beyond);
  assert.throws(
    () => loadWeights(new Model(rt32, { blocks: [NeuralOde.create(rt32, config, new Rng(2))] }), bytes),
    (e: unknown) => e instanceof SafetensorsError && /beyond float32 range/.test(e.message),
  );
  assert.is(
    loadModel(rt64, bytes)
      .model.params.find((p) => p.name === 'layer1.weight')!
      .value.toFloat64Array()[3],
    1e39,
  );
});

test.run();
