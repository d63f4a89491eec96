// LayerSpec (plain JSON) → Layer: checked strictly first (every key known, every width bounded), so
// the parameter shapes a description implies are known before any is allocated (see `paramShapes`).
import { ACTIVATIONS, type Activation } from '../autodiff/ops/index.js';
import { ArgumentError } from '../errors.js';
import type { Rng } from '../random.js';
import type { Runtime } from '../runtime/wasm.js';
import { activation } from './activation.js';
import { concatSquashLinear } from './concat-squash.js';
import { concatLinear, linear } from './dense.js';
import type { Initialiser } from './init.js';
import { chainWidths, qualified, type Layer, type LayerSpec, type Widths } from './layer.js';
import { sequential } from './sequential.js';
import { checkKeys, checkLayerOptions, checkObject, checkWidth, MAX_LAYERS } from './spec-checks.js';

const LAYER_TYPES = ['linear', 'concatLinear', 'concatSquashLinear', 'activation', 'sequential'] as const;

/** Most layers in one description, counting every nested one (a graph node each, at least). */
export const MAX_DESCRIPTION_LAYERS = 4 * MAX_LAYERS;
/** Deepest nesting of sequentials in a description. */
export const MAX_NESTING = 8;

/**
 * Validates a description (recursively): keys, types, widths, the total number of layers and their
 * nesting (bounded however they are nested), and that consecutive widths fit. Returns it typed.
 * Throws ArgumentError naming the path.
 */
export function checkLayerSpec(value: unknown, argument = 'layer'): LayerSpec {
  const count = { layers: 0 };
  const spec = checkNode(value, argument, 0, count);
  specWidths(spec, argument); // consecutive widths fit
  return spec;
}

/** The input and output widths a (checked) description states (null: any width passes, activations only). */
export function specWidths(spec: LayerSpec, argument = 'layer'): Widths {
  switch (spec.type) {
    case 'activation':
      return { inputs: null, outputs: null };
    case 'sequential':
      return chainWidths(
        spec.layers.map((l, i) => specWidths(l, `${argument}.layers[${i}]`)),
        (i) => `${argument}.layers[${i}]`,
      );
    default:
      return { inputs: spec.inputs, outputs: spec.outputs };
  }
}

function checkNode(value: unknown, argument: string, depth: number, count: { layers: number }): LayerSpec {
  if (++count.layers > MAX_DESCRIPTION_LAYERS)
    throw new ArgumentError(
      argument,
      `at most ${MAX_DESCRIPTION_LAYERS} layers in one description, nested ones included`,
    );
  const spec = checkObject(value, argument, `a layer description { type: ${LAYER_TYPES.join(' | ')}, … }`);
  switch (spec.type) {
    case 'linear':
      checkKeys(spec, ['type', 'inputs', 'outputs', 'bias'], argument);
      checkWidth(`${argument}.inputs`, spec.inputs);
      checkWidth(`${argument}.outputs`, spec.outputs);
      if (spec.bias !== undefined && typeof spec.bias !== 'boolean')
        throw new ArgumentError(`${argument}.bias`, 'true or false', spec.bias);
      break;
    case 'concatLinear':
    case 'concatSquashLinear':
      checkKeys(spec, ['type', 'inputs', 'outputs'], argument);
      checkWidth(`${argument}.inputs`, spec.inputs);
      checkWidth(`${argument}.outputs`, spec.outputs);
      break;
    case 'activation':
      checkKeys(spec, ['type', 'fn'], argument);
      if (!ACTIVATIONS.includes(spec.fn as Activation))
        throw new ArgumentError(`${argument}.fn`, `one of ${ACTIVATIONS.join(', ')}`, spec.fn);
      break;
    case 'sequential': {
      checkKeys(spec, ['type', 'layers'], argument);
      const layers = spec.layers;
      if (!Array.isArray(layers) || layers.length === 0 || layers.length > MAX_LAYERS) {
        throw new ArgumentError(`${argument}.layers`, `an array of 1 to ${MAX_LAYERS} layer descriptions`, layers);
      }
      if (depth >= MAX_NESTING) throw new ArgumentError(argument, `sequentials nested at most ${MAX_NESTING} deep`);
      layers.forEach((l, i) => checkNode(l, `${argument}.layers[${i}]`, depth + 1, count));
      break;
    }
    default:
      throw new ArgumentError(`${argument}.type`, `one of ${LAYER_TYPES.join(', ')}`, spec.type);
  }
  return spec as LayerSpec;
}

/** Every parameter a description creates, by name, with its shape: computed without allocating. */
export function paramShapes(spec: LayerSpec, prefix = ''): Map<string, [number, number]> {
  const shapes = new Map<string, [number, number]>();
  const put = (name: string, rows: number, cols: number) => shapes.set(qualified(prefix, name), [rows, cols]);
  switch (spec.type) {
    case 'linear':
      put('weight', spec.outputs, spec.inputs);
      if (spec.bias ?? true) put('bias', 1, spec.outputs);
      break;
    case 'concatLinear':
      put('weight', spec.outputs, spec.inputs + 1);
      put('bias', 1, spec.outputs);
      break;
    case 'concatSquashLinear':
      put('_layer.weight', spec.outputs, spec.inputs);
      put('_layer.bias', 1, spec.outputs);
      put('_hyper_gate.weight', spec.outputs, 1);
      put('_hyper_gate.bias', 1, spec.outputs);
      put('_hyper_bias.weight', spec.outputs, 1);
      break;
    case 'sequential':
      spec.layers.forEach((l, i) => paramShapes(l, qualified(prefix, String(i))).forEach((v, k) => shapes.set(k, v)));
      break;
  }
  return shapes;
}

export interface CreateOptions {
  rng: Rng;
  init?: Initialiser;
  /** parameter name prefix */
  name?: string;
}

/** Builds the layer a (checked) description names, its parameters drawn from options.rng. */
export function createLayer(rt: Runtime, value: LayerSpec, options: CreateOptions): Layer {
  checkLayerOptions(options, 'options');
  const spec = checkLayerSpec(value);
  const name = options.name ?? '';
  switch (spec.type) {
    case 'linear':
      return linear(rt, spec, options);
    case 'concatLinear':
      return concatLinear(rt, spec, options);
    case 'concatSquashLinear':
      return concatSquashLinear(rt, spec, options);
    case 'activation':
      return activation(spec.fn);
    case 'sequential':
      return sequential(
        spec.layers.map((l, i) => createLayer(rt, l, { ...options, name: qualified(name, String(i)) })),
      );
  }
}
