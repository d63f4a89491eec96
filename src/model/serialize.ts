// Save and load a trained model as safetensors: every parameter under its PyTorch state_dict name in
// PyTorch's layouts (weights [out, in], biases [out]; the MLP's layer{l}.weight [out, in + 1] with time
// as the last input column) and the architecture as JSON in the metadata, so
// `module.load_state_dict(load_file(path))` works in PyTorch and taynode can rebuild the same model.
// Two formats: a lone NeuralOde ("taynode.neural-ode", its config) and a composed Model ("taynode.model",
// its ModelSpec). A loaded file's tensors are checked against the shapes its description implies
// (bounded by src/config/limits) before the model is allocated, so a hostile file costs milliseconds,
// not gigabytes. Models whose dynamics are code save their weights; loadWeights fills the same
// code-built model. Bytes in, bytes out (browser-safe); the CLI does file I/O.
import { ArgumentError } from '../errors.js';
import { checkKeys } from '../config/strict.js';
import {
  encodeSafetensors,
  indexSafetensors,
  SafetensorsError,
  type Dtype,
  type NamedArray,
  type StoredTensor,
} from '../io/safetensors.js';
import { PlaceholderRng } from '../inference/placeholder-rng.js';
import { checkRuntime } from '../runtime/check.js';
import type { Runtime } from '../runtime/wasm.js';
import type { Dtype as RuntimeDtype } from '../runtime/dtype.js';
import { parameterShapes } from '../nn/mlp.js';
import { checkConfig, NeuralOde, type NeuralOdeConfig } from './neural-ode.js';
import { checkModelSpec, Model, modelParamShapes, type ModelSpec } from './model.js';
import { paramShapes } from '../nn/spec.js';
import type { ParameterLike } from '../autodiff/parameters.js';

const FORMAT = 'taynode.neural-ode';
/** Version 2 stores biases [out] (PyTorch's layout); version 1 stored them [1, out]. Both load. */
const VERSION = '2';
const READABLE_VERSIONS = ['1', '2'];
const MODEL_FORMAT = 'taynode.model';
const MODEL_VERSION = '1';
/** Written instead of a description when the dynamics are code: only loadWeights can fill such a model. */
const CODE_BUILT = 'code';

export interface SaveOptions {
  /**
   * element type of the weights: default the model's own (F64 in a float64 runtime, F32 in a float32
   * one; both exact); F32 from a float64 model for float32 consumers such as a default PyTorch module
   */
  dtype?: Dtype;
}

export interface LoadOptions {
  /**
   * The configuration, for a file that carries none (a PyTorch state_dict written with
   * safetensors.torch.save_file). A file written by saveModel carries its own and must not get another.
   */
  config?: NeuralOdeConfig;
}

/**
 * The model's weights and description as safetensors bytes: a NeuralOde (format taynode.neural-ode) or a
 * composed Model (format taynode.model). Dynamics written as code are saved too (their weights, with
 * the rest of the configuration); reload them into the same code-built model with loadWeights.
 */
export function saveModel(
  model: NeuralOde | Model,
  extraMetadata: Record<string, string> = {},
  options: SaveOptions = {},
): Uint8Array {
  if (!(model instanceof NeuralOde) && !(model instanceof Model))
    throw new ArgumentError('model', 'a NeuralOde or a Model', model);
  checkKeys(options, ['dtype'], '');
  const tensors: Record<string, NamedArray> = {};
  for (const p of model.params) tensors[fileName(model, p)] = { shape: fileShape(p), data: p.value.toFloat64Array() };
  let description: Record<string, string>;
  if (model instanceof Model) {
    const spec = model.spec;
    description = { format: MODEL_FORMAT, version: MODEL_VERSION, spec: spec ? JSON.stringify(spec) : CODE_BUILT };
  } else {
    const { t0, t1, gradient, mlp, dynamics, init, regularizers, terms, solver } = model.config;
    const config: NeuralOdeConfig = { mlp, dynamics, init, regularizers, terms, solver, gradient, t0, t1 };
    const custom = !mlp && !dynamics;
    description = {
      format: FORMAT,
      version: VERSION,
      config: JSON.stringify(config),
      ...(custom ? { dynamics: CODE_BUILT } : {}),
    };
  }
  const dtype = options.dtype ?? (model.rt.dtype === 'float32' ? 'F32' : 'F64');
  return encodeSafetensors(tensors, { ...extraMetadata, ...description }, { dtype });
}

/**
 * A parameter's name in a file: a NeuralOde that is a Model's block ("blocks.0") saves under the names
 * the block would have alone, so its file loads with loadModel like any NeuralOde's.
 */
function fileName(model: NeuralOde | Model, p: ParameterLike): string {
  if (!(model instanceof NeuralOde) || !model.name) return p.name;
  const prefix = `${model.name}.`;
  return p.name.startsWith(prefix) ? p.name.slice(prefix.length) : p.name;
}

/** PyTorch's shape of a parameter: biases are vectors [out] (ours are rows [1, out]), everything else as stored. */
function fileShape(p: ParameterLike): number[] {
  return isBias(p.name) && p.value.rows === 1 ? [p.value.cols] : [p.value.rows, p.value.cols];
}

/** nn.Linear's "bias", nn.GRUCell's "bias_ih"/"bias_hh": the last name segment. */
function isBias(name: string): boolean {
  return /(^|\.)bias(_\w+)?$/.test(name);
}

/**
 * Rebuilds the NeuralOde a saveModel call wrote (or a state_dict with options.config); throws SafetensorsError
 * for anything else. The model takes the runtime's dtype: an F64 file loaded into a float32 runtime is
 * rounded to f32, an F32 file into a float64 runtime is widened exactly.
 */
export function loadModel(
  rt: Runtime,
  bytes: Uint8Array,
  options: LoadOptions = {},
): { model: NeuralOde; metadata: Record<string, string> } {
  checkRuntime(rt, 'rt');
  checkKeys(options, ['config'], '');
  const { tensors, metadata } = indexSafetensors(bytes);
  if (options.config === undefined && metadata.format === MODEL_FORMAT) {
    throw new SafetensorsError(
      'model file: this is a composed Model (format taynode.model): load it with loadComposedModel',
    );
  }
  if (metadata.dynamics === CODE_BUILT) {
    throw new SafetensorsError(
      'model file: its dynamics were written as code, which a file cannot hold: build the same model in code and fill it with loadWeights(model, bytes)',
    );
  }
  const config = options.config === undefined ? storedConfig(metadata) : givenConfig(metadata, options.config);
  const values = readTensorsFitting(tensors, expectedShapes(config), rt.dtype);
  // Only now is anything allocated. The placeholder draws no initial weights: the file overwrites them.
  const model = NeuralOde.create(rt, config, new PlaceholderRng());
  for (const p of model.params) p.value.copyFrom(values.get(p.name)!);
  return { model, metadata };
}

/**
 * Rebuilds the composed Model a saveModel call wrote; a NeuralOde file loads as a one-block Model.
 * The description is checked strictly and the tensors against the shapes it implies before anything
 * is allocated.
 */
export function loadComposedModel(rt: Runtime, bytes: Uint8Array): { model: Model; metadata: Record<string, string> } {
  checkRuntime(rt, 'rt');
  const { tensors, metadata } = indexSafetensors(bytes);
  if (metadata.format === FORMAT) {
    const { model } = loadModel(rt, bytes);
    return { model: new Model(rt, { blocks: [model] }), metadata };
  }
  if (metadata.format !== MODEL_FORMAT) {
    throw new SafetensorsError(
      `model file: metadata "format" is ${JSON.stringify(metadata.format)}, expected "${MODEL_FORMAT}" or "${FORMAT}" (not a taynode model)`,
    );
  }
  if (metadata.version !== MODEL_VERSION)
    throw new SafetensorsError(
      `model file: version ${JSON.stringify(metadata.version)} is not supported (expected ${MODEL_VERSION})`,
    );
  if (metadata.spec === CODE_BUILT) {
    throw new SafetensorsError(
      "model file: a block's dynamics were written as code, which a file cannot hold: build the same model in code and fill it with loadWeights(model, bytes)",
    );
  }
  let spec: ModelSpec;
  try {
    spec = checkModelSpec(JSON.parse(metadata.spec ?? ''));
  } catch (e) {
    throw new SafetensorsError(
      `model file: the stored description is invalid (${e instanceof SyntaxError ? 'not JSON' : (e as Error).message})`,
    );
  }
  const values = readTensorsFitting(tensors, withFileBiasShapes(modelParamShapes(spec)), rt.dtype);
  const model = Model.create(rt, spec, new PlaceholderRng());
  for (const p of model.params) p.value.copyFrom(values.get(p.name)!);
  return { model, metadata };
}

/**
 * Fills an existing model's parameters from a file (one saveModel wrote, or a PyTorch state_dict with
 * the same names), as PyTorch's load_state_dict(strict=True): every parameter present with its shape,
 * no other tensor. The model's architecture is the caller's: for dynamics written as code.
 */
export function loadWeights(model: NeuralOde | Model, bytes: Uint8Array): { metadata: Record<string, string> } {
  if (!(model instanceof NeuralOde) && !(model instanceof Model))
    throw new ArgumentError('model', 'a NeuralOde or a Model', model);
  const { tensors, metadata } = indexSafetensors(bytes);
  const wanted = withFileBiasShapes(
    new Map(model.params.map((p) => [fileName(model, p), p.value.shape] as [string, [number, number]])),
  );
  const values = readTensorsFitting(tensors, wanted, model.rt.dtype);
  for (const p of model.params) p.value.copyFrom(values.get(fileName(model, p))!);
  return { metadata };
}

/** The shapes a NeuralOde configuration implies, by parameter name; biases [out] or [1, out]. */
function expectedShapes(config: NeuralOdeConfig): Map<string, number[][]> {
  const wanted = new Map<string, number[][]>();
  if (config.mlp) {
    for (const { name, weight, bias } of parameterShapes(config.mlp.widths)) {
      wanted.set(`${name}.weight`, [weight]);
      wanted.set(`${name}.bias`, [bias, [1, bias[0]]]);
    }
    return wanted;
  }
  return withFileBiasShapes(paramShapes(config.dynamics!));
}

/** Each [rows, cols] as the file may hold it: a bias [1, out] as [out] (PyTorch, version 2) or [1, out] (version 1). */
function withFileBiasShapes(shapes: Map<string, [number, number]>): Map<string, number[][]> {
  const wanted = new Map<string, number[][]>();
  shapes.forEach(([rows, cols], name) =>
    wanted.set(name, isBias(name) && rows === 1 ? [[cols], [1, cols]] : [[rows, cols]]),
  );
  return wanted;
}

/** The configuration saveModel stored, checked (sizes bounded) without allocating anything. */
function storedConfig(metadata: Record<string, string>): NeuralOdeConfig {
  if (metadata.format !== FORMAT) {
    throw new SafetensorsError(
      `model file: metadata "format" is ${JSON.stringify(metadata.format)}, expected "${FORMAT}" (not a taynode model; for a bare state_dict pass options.config)`,
    );
  }
  if (!READABLE_VERSIONS.includes(metadata.version)) {
    throw new SafetensorsError(
      `model file: version ${JSON.stringify(metadata.version)} is not supported (expected one of ${READABLE_VERSIONS.join(', ')})`,
    );
  }
  let config: NeuralOdeConfig;
  try {
    config = JSON.parse(metadata.config ?? '');
  } catch {
    throw new SafetensorsError('model file: metadata "config" is not valid JSON');
  }
  dropLegacyBackend(config);
  try {
    checkConfig(config, { custom: false });
  } catch (e) {
    throw new SafetensorsError(`model file: the stored configuration is invalid (${(e as Error).message})`);
  }
  return config;
}

function givenConfig(metadata: Record<string, string>, config: NeuralOdeConfig): NeuralOdeConfig {
  if (metadata.config !== undefined)
    throw new ArgumentError('config', 'no configuration for a file that stores its own', config);
  checkConfig(config);
  return config;
}

/**
 * The file's tensors are exactly the parameters the configuration implies, shaped as it says (bias
 * [out], or [1, out] as version 1 wrote), with finite values the runtime can hold (a float32 runtime
 * would store an F64 value beyond its range as infinite). Derived from the widths alone, before the
 * model exists; names and shapes are checked before any tensor is read and widened.
 */
function readTensorsFitting(
  tensors: Map<string, StoredTensor>,
  wanted: Map<string, number[][]>,
  dtype: RuntimeDtype,
): Map<string, Float64Array> {
  for (const name of tensors.keys())
    if (!wanted.has(name)) throw new SafetensorsError(`model file: unexpected tensor "${name}" for this configuration`);
  for (const [name, shapes] of wanted) {
    const t = tensors.get(name);
    if (!t) throw new SafetensorsError(`model file: tensor "${name}" is missing`);
    if (!shapes.some((s) => s.length === t.shape.length && s.every((d, i) => d === t.shape[i]))) {
      throw new SafetensorsError(
        `model file: tensor "${name}" has shape [${t.shape.join(', ')}], the configuration needs ${shapes.map((s) => `[${s.join(', ')}]`).join(' or ')}`,
      );
    }
  }
  const values = new Map<string, Float64Array>();
  for (const name of wanted.keys()) {
    const data = tensors.get(name)!.read();
    const bad = data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new SafetensorsError(`model file: tensor "${name}" holds a non-finite value at ${bad}`);
    const beyond = dtype === 'float32' ? data.findIndex((v) => !Number.isFinite(Math.fround(v))) : -1;
    if (beyond >= 0) {
      throw new SafetensorsError(
        `model file: tensor "${name}" holds ${data[beyond]} at ${beyond}, beyond float32 range: this float32 runtime would store it as infinite (load it into a float64 runtime)`,
      );
    }
    values.set(name, data);
  }
  return values;
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
