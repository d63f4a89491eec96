// Save and load a trained model as safetensors: every parameter under its name in PyTorch's nn.Linear
// layout (layer{l}.weight [out, in + 1] with time as the last input column, layer{l}.bias [out]) and
// the model's configuration as JSON in the metadata, so `module.load_state_dict(load_file(path))`
// works in PyTorch and taynode can rebuild the same model. A loaded file is checked against its stored
// configuration (bounded by src/config/limits) before the model is allocated, so a hostile file costs
// milliseconds, not gigabytes. Bytes in, bytes out (browser-safe); the CLI does file I/O.
import { ArgumentError } from '../errors.js';
import { checkKeys } from '../config/strict.js';
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type Dtype, type NamedArray } from '../io/safetensors.js';
import { Rng } from '../random.js';
import { checkRuntime } from '../runtime/check.js';
import type { Runtime } from '../runtime/wasm.js';
import { parameterShapes } from './mlp.js';
import { checkConfig, NeuralOde, type NeuralOdeConfig } from './neural-ode.js';

const FORMAT = 'taynode.neural-ode';
/** Version 2 stores biases [out] (PyTorch's layout); version 1 stored them [1, out]. Both load. */
const VERSION = '2';
const READABLE_VERSIONS = ['1', '2'];

export interface SaveOptions {
  /** element type of the weights (default F64, exact; F32 for float32 consumers such as a default PyTorch module) */
  dtype?: Dtype;
}

export interface LoadOptions {
  /**
   * The configuration, for a file that carries none (a PyTorch state_dict written with
   * safetensors.torch.save_file). A file written by saveModel carries its own and must not get another.
   */
  config?: NeuralOdeConfig;
}

export function saveModel(model: NeuralOde, extraMetadata: Record<string, string> = {}, options: SaveOptions = {}): Uint8Array {
  if (!(model instanceof NeuralOde)) throw new ArgumentError('model', 'a NeuralOde', model);
  checkKeys(options, ['dtype'], '');
  const tensors: Record<string, NamedArray> = {};
  for (const { weight, bias } of model.network.mlp.layers) {
    tensors[weight.name] = { shape: [weight.value.rows, weight.value.cols], data: weight.value.toFloat64Array() };
    tensors[bias.name] = { shape: [bias.value.size], data: bias.value.toFloat64Array() };
  }
  const { t0, t1, gradient, mlp, regularizers, solver } = model.config;
  const config: NeuralOdeConfig = { mlp, regularizers, solver, gradient, t0, t1 };
  return encodeSafetensors(tensors, { ...extraMetadata, format: FORMAT, version: VERSION, config: JSON.stringify(config) }, { dtype: options.dtype });
}

/** Rebuilds the model a saveModel call wrote (or a state_dict with options.config); throws SafetensorsError for anything else. */
export function loadModel(rt: Runtime, bytes: Uint8Array, options: LoadOptions = {}): { model: NeuralOde; metadata: Record<string, string> } {
  checkRuntime(rt, 'rt');
  checkKeys(options, ['config'], '');
  const { tensors, metadata } = decodeSafetensors(bytes);
  const config = options.config === undefined ? storedConfig(metadata) : givenConfig(metadata, options.config);
  checkTensorsFitConfig(tensors, config);
  // Only now is anything allocated. The seed fills the initial weights, overwritten below.
  const model = NeuralOde.create(rt, config, new Rng(0));
  for (const p of model.params) p.value.copyFrom(tensors.get(p.name)!.data);
  return { model, metadata };
}

/** The configuration saveModel stored, checked (sizes bounded) without allocating anything. */
function storedConfig(metadata: Record<string, string>): NeuralOdeConfig {
  if (metadata.format !== FORMAT) {
    throw new SafetensorsError(`model file: metadata "format" is ${JSON.stringify(metadata.format)}, expected "${FORMAT}" (not a taynode model; for a bare state_dict pass options.config)`);
  }
  if (!READABLE_VERSIONS.includes(metadata.version)) {
    throw new SafetensorsError(`model file: version ${JSON.stringify(metadata.version)} is not supported (expected one of ${READABLE_VERSIONS.join(', ')})`);
  }
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
  return config;
}

function givenConfig(metadata: Record<string, string>, config: NeuralOdeConfig): NeuralOdeConfig {
  if (metadata.config !== undefined) throw new ArgumentError('config', 'no configuration for a file that stores its own', config);
  checkConfig(config);
  return config;
}

/**
 * The file's tensors are exactly the parameters the configuration implies, shaped as it says (bias
 * [out], or [1, out] as version 1 wrote), with finite values. Derived from the widths alone, before
 * the model exists.
 */
function checkTensorsFitConfig(tensors: Map<string, NamedArray>, config: NeuralOdeConfig): void {
  const wanted = new Map<string, number[][]>();
  for (const { name, weight, bias } of parameterShapes(config.mlp.widths)) {
    wanted.set(`${name}.weight`, [weight]);
    wanted.set(`${name}.bias`, [bias, [1, bias[0]]]);
  }
  for (const name of tensors.keys()) if (!wanted.has(name)) throw new SafetensorsError(`model file: unexpected tensor "${name}" for this configuration`);
  for (const [name, shapes] of wanted) {
    const t = tensors.get(name);
    if (!t) throw new SafetensorsError(`model file: tensor "${name}" is missing`);
    if (!shapes.some((s) => s.length === t.shape.length && s.every((d, i) => d === t.shape[i]))) {
      throw new SafetensorsError(`model file: tensor "${name}" has shape [${t.shape.join(', ')}], the configuration needs ${shapes.map((s) => `[${s.join(', ')}]`).join(' or ')}`);
    }
    const bad = t.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new SafetensorsError(`model file: tensor "${name}" holds a non-finite value at ${bad}`);
  }
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
