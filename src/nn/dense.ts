// Dense layers in nn.Linear's layout (weight [out, in], bias stored [1, out], saved as PyTorch's [out]):
// Linear, and ConcatLinear, the paper's code's layer, which appends the time as the last input column
// (weight [out, in + 1]).
import { Parameter } from '../autodiff/parameter.js';
import type { Rng } from '../random.js';
import type { Runtime } from '../runtime/wasm.js';
import { initDense, type Initialiser } from './init.js';
import { qualified, type Layer } from './layer.js';
import { checkLayerOptions, checkLayerSizes, checkWidth } from './spec-checks.js';
import { ArgumentError } from '../errors.js';

export interface DenseOptions {
  rng: Rng;
  init?: Initialiser;
  /** parameter name prefix (e.g. "blocks.0.1") */
  name?: string;
}

export function linear(
  rt: Runtime,
  spec: { inputs: number; outputs: number; bias?: boolean },
  options: DenseOptions,
): Layer {
  checkLayerSizes(spec, ['inputs', 'outputs', 'bias'], 'linear');
  const inputs = checkWidth('linear.inputs', spec.inputs),
    outputs = checkWidth('linear.outputs', spec.outputs);
  if (spec.bias !== undefined && typeof spec.bias !== 'boolean')
    throw new ArgumentError('linear.bias', 'true or false', spec.bias);
  const hasBias = spec.bias ?? true;
  const { name: prefix } = checkLayerOptions(options, 'options');
  const weight = Parameter.zeros(rt, qualified(prefix, 'weight'), outputs, inputs);
  const bias = hasBias ? Parameter.zeros(rt, qualified(prefix, 'bias'), 1, outputs) : undefined;
  initDense(options.init ?? 'pytorch', weight, bias, options.rng);
  return {
    spec: hasBias ? { type: 'linear', inputs, outputs } : { type: 'linear', inputs, outputs, bias: false },
    params: bias ? [weight, bias] : [weight],
    inputs,
    outputs,
    apply: (ops, x) => ops.linear(x, weight, bias),
  };
}

export function concatLinear(rt: Runtime, spec: { inputs: number; outputs: number }, options: DenseOptions): Layer {
  checkLayerSizes(spec, ['inputs', 'outputs'], 'concatLinear');
  const inputs = checkWidth('concatLinear.inputs', spec.inputs),
    outputs = checkWidth('concatLinear.outputs', spec.outputs);
  const { name: prefix } = checkLayerOptions(options, 'options');
  const weight = Parameter.zeros(rt, qualified(prefix, 'weight'), outputs, inputs + 1);
  const bias = Parameter.zeros(rt, qualified(prefix, 'bias'), 1, outputs);
  initDense(options.init ?? 'pytorch', weight, bias, options.rng);
  return {
    spec: { type: 'concatLinear', inputs, outputs },
    params: [weight, bias],
    inputs,
    outputs,
    apply: (ops, x) => ops.linear(ops.concatTime(x), weight, bias),
  };
}
