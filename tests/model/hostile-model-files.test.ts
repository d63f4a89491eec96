// A model file is untrusted input: its stored configuration is bounded and compared with its tensors'
// shapes before the model is allocated, so a small hostile file is refused with a SafetensorsError
// in milliseconds and without growing memory (before this, a 576-byte file could allocate ~2.3 GB).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRuntimeSync } from '../../src/runtime/wasm.js';
import { Rng } from '../../src/random.js';
import { NeuralOde, type NeuralOdeConfig } from '../../src/model/neural-ode.js';
import { loadModel, saveModel } from '../../src/model/serialize.js';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from '../../src/io/safetensors.js';
import { refusedCheaply } from '../helpers/refused-cheaply.js';

const small: NeuralOdeConfig = {
  mlp: { widths: [2, 3, 2], activation: 'tanh' },
  regularizers: { order: 2, lambda: 0.01 },
  solver: { method: 'dopri5', rtol: 1e-6, atol: 1e-6 },
};
const { tensors, metadata } = decodeSafetensors(saveModel(NeuralOde.create(createRuntimeSync(), small, new Rng(1))));

/** The small model's tensors under a stored configuration edited by `edit`. */
function hostile(edit: (config: Record<string, any>) => void): Uint8Array {
  const config = JSON.parse(metadata.config);
  edit(config);
  return encodeSafetensors(tensors, { ...metadata, config: JSON.stringify(config) });
}

test('widths within bounds but unlike the tensors (a 512 MB model claimed by a tiny file) are refused before allocating', () => {
  const bytes = hostile((c) => {
    c.mlp.widths = [4000, 4000, 4000];
  });
  assert.ok(bytes.length < 1024, `the hostile file is ${bytes.length} bytes`);
  refusedCheaply(bytes, /tensor "layer0.weight" has shape \[3, 3\], the configuration needs \[4000, 4001\]/);
});

test('widths, depth and step counts beyond the limits are refused as an invalid stored configuration', () => {
  refusedCheaply(
    hostile((c) => {
      c.mlp.widths = [2, 1e7, 2];
    }),
    /stored configuration is invalid \(mlp.widths: expected an array of 2 to 65 integers in 1..8192/,
  );
  refusedCheaply(
    hostile((c) => {
      c.mlp.widths = [2, 8000, 8000, 8000, 2];
    }),
    /stored configuration is invalid \(mlp.widths: expected layers of at most 33554432 parameters/,
  );
  refusedCheaply(
    hostile((c) => {
      c.mlp.widths = Array(1000).fill(2);
    }),
    /stored configuration is invalid \(mlp.widths/,
  );
  refusedCheaply(
    hostile((c) => {
      c.solver = { method: 'rk4', steps: 1e9 };
    }),
    /stored configuration is invalid \(solver.steps: expected an integer ≥ 1 and ≤ 1000000, got 1000000000/,
  );
  refusedCheaply(
    hostile((c) => {
      c.solver.maxSteps = 1e12;
    }),
    /solver.maxSteps/,
  );
  refusedCheaply(
    hostile((c) => {
      c.regularizers.order = 1e6;
    }),
    /regularizers.order/,
  );
});

test('every single-character edit of a key in the stored configuration is refused, never loaded as a different model', () => {
  const keys = new Set<string>();
  const collect = (v: unknown): void => {
    if (v && typeof v === 'object' && !Array.isArray(v))
      for (const [k, x] of Object.entries(v)) {
        keys.add(k);
        collect(x);
      }
  };
  collect(JSON.parse(metadata.config));
  const rt = createRuntimeSync();
  let edits = 0;
  for (const key of keys) {
    for (let i = 0; i < key.length; i++) {
      const typo = key.slice(0, i) + (key[i] === 'x' ? 'y' : 'x') + key.slice(i + 1);
      const text = metadata.config.replaceAll(`"${key}":`, `"${typo}":`);
      assert.throws(
        () => loadModel(rt, encodeSafetensors(tensors, { ...metadata, config: text })),
        (e: unknown) => e instanceof SafetensorsError && e.message.includes(`${typo}: unknown key`),
        `${key} → ${typo}`,
      );
      edits++;
    }
  }
  assert.ok(edits > 40, `${edits} edits tried`);
});

test.run();
