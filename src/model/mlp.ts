// The model's network specification and a view of its layers. Parameters are created once, by
// src/dynamics' mlpDynamics (the wasm graph backend), in its layout: layer l has weight [out, in + 1]
// (the last column multiplies t, concatenated before every layer as in the paper's code) and bias
// [1, out] in the arena (files store it [out], PyTorch's layout: see parameterShapes); every layer but
// the last is followed by the activation. `mlpView` names those Parameters by layer (for
// serialisation and inspection).
import { ArgumentError } from '../errors.js';
import { ACTIVATIONS } from '../autodiff/ops/index.js';
import { checkKeys } from '../config/strict.js';
import { MAX_LAYERS, MAX_PARAMETERS, MAX_WIDTH } from '../config/limits.js';
import { checkRuntime } from '../runtime/check.js';
import type { Rng } from '../random.js';
import type { Runtime } from '../runtime/wasm.js';
import { mlpDynamics } from '../dynamics/mlp.js';
import type { Dynamics } from '../dynamics/dynamics.js';
import type { ParameterLike } from '../training/parameters.js';
import type { Layer } from '../nn/layer.js';

/** Activations the model offers. */
// Every registry activation but log, which is defined only for positive inputs (a hidden layer's
// pre-activations are not); log stays usable in layer descriptions and dynamics written as code.
export const NETWORK_ACTIVATIONS = ACTIVATIONS.filter((a) => a !== 'log') as Exclude<(typeof ACTIVATIONS)[number], 'log'>[];
export type NetworkActivation = (typeof NETWORK_ACTIVATIONS)[number];

export interface NetworkSpec {
  /** `[state, hidden…, state]`: the first and last widths are the ODE state's dimension. */
  widths: number[];
  activation: NetworkActivation;
}

export interface MlpLayer {
  inputs: number;
  outputs: number;
  weight: ParameterLike;
  bias: ParameterLike;
}

export interface Mlp {
  spec: NetworkSpec;
  layers: MlpLayer[];
  params: ParameterLike[];
}

export interface Network {
  /** the dynamics as a src/dynamics graph (wasm kernels) */
  graph: Dynamics;
  /** the layer view of a config's `mlp` */
  mlp?: Mlp;
  /** the layer built from a config's `dynamics` description */
  layer?: Layer;
}

export const NETWORK_SPEC_KEYS = ['widths', 'activation'] as const;

/** Checks the spec, its sizes against src/config/limits, before anything is allocated. */
export function checkNetworkSpec(spec: NetworkSpec): void {
  checkKeys(spec, NETWORK_SPEC_KEYS, 'mlp');
  const { widths, activation } = spec;
  if (!Array.isArray(widths) || widths.length < 2 || widths.length > MAX_LAYERS + 1 || widths.some((w) => !Number.isInteger(w) || w <= 0 || w > MAX_WIDTH)) {
    throw new ArgumentError('mlp.widths', `an array of 2 to ${MAX_LAYERS + 1} integers in 1..${MAX_WIDTH}`, widths);
  }
  const count = parameterShapes(widths).reduce((n, { weight, bias }) => n + weight[0] * weight[1] + bias[0], 0);
  if (count > MAX_PARAMETERS) throw new ArgumentError('mlp.widths', `layers of at most ${MAX_PARAMETERS} parameters in all`, `widths needing ${count}`);
  if (widths[0] !== widths[widths.length - 1]) {
    throw new ArgumentError('mlp.widths', `the same first and last width (the dynamics map the state to its derivative); first is ${widths[0]}`, widths[widths.length - 1]);
  }
  if (!NETWORK_ACTIVATIONS.includes(activation)) throw new ArgumentError('mlp.activation', `one of ${NETWORK_ACTIVATIONS.join(', ')}`, activation);
}

/**
 * The shape of every parameter the widths imply, derived from the widths alone (so a model file can be
 * checked before anything is allocated): layer l has weight [out, in + 1] and bias [out].
 */
export function parameterShapes(widths: readonly number[], prefix = ''): { name: string; weight: [number, number]; bias: [number] }[] {
  return widths.slice(1).map((outputs, l) => ({ name: `${prefix ? `${prefix}.` : ''}layer${l}`, weight: [outputs, widths[l] + 1], bias: [outputs] }));
}

/** Creates the parameters (initialised like PyTorch's Linear from `rng`) and both views of the network. */
export function createNetwork(rt: Runtime, spec: NetworkSpec, rng: Rng, { name = '' } = {}): Network {
  checkRuntime(rt, 'rt');
  checkNetworkSpec(spec);
  const graph = mlpDynamics(rt, { widths: spec.widths, activation: spec.activation, timeInput: true, ...(name ? { name } : {}) }, rng);
  return { graph, mlp: mlpView(spec, graph.params as readonly ParameterLike[]) };
}

/** The layer view over parameters in mlpDynamics' order: weight, bias per layer. */
export function mlpView(spec: NetworkSpec, params: readonly ParameterLike[]): Mlp {
  checkNetworkSpec(spec);
  const layers: MlpLayer[] = [];
  for (let l = 0; l + 1 < spec.widths.length; l++) {
    const inputs = spec.widths[l], outputs = spec.widths[l + 1];
    const weight = params[2 * l], bias = params[2 * l + 1];
    if (!weight || weight.value.rows !== outputs || weight.value.cols !== inputs + 1 || !bias || bias.value.size !== outputs) {
      throw new ArgumentError('params', `layer ${l}: weight [${outputs}, ${inputs + 1}] and bias [1, ${outputs}]`, weight ? `${weight.value.shape}` : 'missing');
    }
    layers.push({ inputs, outputs, weight, bias });
  }
  return { spec: { widths: spec.widths.slice(), activation: spec.activation }, layers, params: params.slice() };
}
