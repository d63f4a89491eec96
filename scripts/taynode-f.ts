// The taynode half of scripts/torch-interop.py (run with: node --import tsx --import
// ./tests/setup/register-wasm-loader.mjs scripts/taynode-f.ts …):
//   save OUT [F64|F32]   writes a seeded model (the same MLP shape the Python side builds) with saveModel
//   f FILE T Z           prints f(T, Z) of the model in FILE as JSON; Z is a JSON array of rows
import { readFileSync, writeFileSync } from 'node:fs';
import { createRuntimeSync } from '../src/runtime/wasm.js';
import { Tensor } from '../src/runtime/tensor.js';
import { Rng } from '../src/random.js';
import { NeuralOde } from '../src/model/neural-ode.js';
import { loadModel, saveModel } from '../src/model/serialize.js';

const rt = createRuntimeSync();
const [command, ...args] = process.argv.slice(2);
if (command === 'save') {
  const [out, dtype = 'F64'] = args;
  const model = NeuralOde.create(
    rt,
    { mlp: { widths: [3, 6, 5, 3], activation: 'softplus' }, solver: { method: 'dopri5' } },
    new Rng(11),
  );
  writeFileSync(out, saveModel(model, {}, { dtype: dtype as 'F64' | 'F32' }));
} else if (command === 'f') {
  const [file, t, z] = args;
  const { model } = loadModel(rt, new Uint8Array(readFileSync(file)));
  const rows: number[][] = JSON.parse(z);
  const d = model.stateSize;
  const zt = Tensor.from(rt.arena, rows.flat(), rows.length, d);
  const out = Tensor.zeros(rt.arena, rows.length, d);
  model.network.graph.f(Number(t), zt, out);
  const f = Array.from(out.data);
  console.log(JSON.stringify(rows.map((_, i) => f.slice(i * d, i * d + d))));
} else {
  console.error('usage: taynode-f.ts save OUT [F64|F32] | f FILE T Z_JSON');
  process.exitCode = 2;
}
