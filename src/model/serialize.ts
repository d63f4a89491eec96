// Save and load a trained model as safetensors: every parameter under its name (layer{l}.weight
// [out, in + 1], layer{l}.bias [1, out]; PyTorch's Linear layout, time as the last input column) and
// the model's configuration as JSON in the metadata, so PyTorch and JAX users can read the weights and
// taynode can rebuild the same model. Bytes in, bytes out (browser-safe); the CLI does file I/O.
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from '../io/safetensors.js';
import { Rng } from '../random.js';
import type { Runtime } from '../runtime/wasm.js';
import { checkConfig, NeuralOde, type NeuralOdeConfig } from './neural-ode.js';

const FORMAT = 'taynode.neural-ode';
const VERSION = '1';

export function saveModel(model: NeuralOde, extraMetadata: Record<string, string> = {}): Uint8Array {
  const tensors: Record<string, { shape: number[]; data: Float64Array }> = {};
  for (const p of model.params) tensors[p.name] = { shape: [p.value.rows, p.value.cols], data: p.value.toFloat64Array() };
  const { t0, t1, gradient, mlp, regularizers, terms, solver } = model.config;
  const config: NeuralOdeConfig = { mlp, regularizers, terms, solver, gradient, t0, t1 };
  return encodeSafetensors(tensors, { ...extraMetadata, format: FORMAT, version: VERSION, config: JSON.stringify(config) });
}

/** Rebuilds the model a saveModel call wrote; throws SafetensorsError for anything else. */
export function loadModel(rt: Runtime, bytes: Uint8Array): { model: NeuralOde; metadata: Record<string, string> } {
  const { tensors, metadata } = decodeSafetensors(bytes);
  if (metadata.format !== FORMAT) throw new SafetensorsError(`model file: metadata "format" is ${JSON.stringify(metadata.format)}, expected "${FORMAT}" (not a taynode model)`);
  if (metadata.version !== VERSION) throw new SafetensorsError(`model file: version ${JSON.stringify(metadata.version)} is not supported (expected ${VERSION})`);
  let config: NeuralOdeConfig;
  try {
    config = JSON.parse(metadata.config ?? '');
  } catch {
    throw new SafetensorsError('model file: metadata "config" is not valid JSON');
  }
  dropLegacyBackend(config);
  try {
    checkConfig(config);
  } catch (e) {
    throw new SafetensorsError(`model file: the stored configuration is invalid (${(e as Error).message})`);
  }
  // The initial weights are overwritten below; the seed only fills them in the meantime.
  const model = NeuralOde.create(rt, config, new Rng(0));
  const expected = new Set(model.params.map((p) => p.name));
  for (const name of tensors.keys()) if (!expected.has(name)) throw new SafetensorsError(`model file: unexpected tensor "${name}" for this configuration`);
  for (const p of model.params) {
    const t = tensors.get(p.name);
    if (!t) throw new SafetensorsError(`model file: tensor "${p.name}" is missing`);
    if (t.shape.length !== 2 || t.shape[0] !== p.value.rows || t.shape[1] !== p.value.cols) {
      throw new SafetensorsError(`model file: tensor "${p.name}" has shape [${t.shape.join(', ')}], the configuration needs [${p.value.rows}, ${p.value.cols}]`);
    }
    for (let i = 0; i < t.data.length; i++) {
      if (!Number.isFinite(t.data[i])) throw new SafetensorsError(`model file: tensor "${p.name}" holds a non-finite value at ${i}`);
    }
    p.value.copyFrom(t.data);
  }
  return { model, metadata };
}

/**
 * Files written before the plain-TypeScript implementation was removed carry `backend: "wasm" | "js"`.
 * Both computed the same function of the same weights (they agreed to 1e-11), so the field is dropped;
 * any other value is left for checkConfig to reject.
 */
function dropLegacyBackend(config: NeuralOdeConfig): void {
  if (typeof config !== 'object' || config === null || !('backend' in config)) return;
  const legacy = config as { backend?: unknown };
  if (legacy.backend === 'wasm' || legacy.backend === 'js') delete legacy.backend;
}
