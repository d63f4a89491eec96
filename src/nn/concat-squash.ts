// FFJORD's ConcatSquashLinear: Lin(x)·σ(W_g·t + b_g) + W_b·t, the time gating and shifting every
// output. Names as FFJORD's module: _layer.{weight,bias}, _hyper_gate.{weight,bias}, _hyper_bias.weight,
// each initialised as its own nn.Linear (so the hyper-networks, with one input, draw from U(±1)).
// The gate and shift depend on t alone ([1, out]); they are broadcast over the batch so the product
// and sum are the ordinary elementwise ops with their Taylor rules.
import { Parameter } from '../autodiff/parameter.js';
import type { Runtime } from '../runtime/wasm.js';
import type { DenseOptions } from './dense.js';
import { initDense } from './init.js';
import { qualified, type Layer } from './layer.js';
import { checkLayerOptions, checkLayerSizes, checkWidth } from './spec-checks.js';

export function concatSquashLinear(
  rt: Runtime,
  spec: { inputs: number; outputs: number },
  options: DenseOptions,
): Layer {
  checkLayerSizes(spec, ['inputs', 'outputs'], 'concatSquashLinear');
  const inputs = checkWidth('concatSquashLinear.inputs', spec.inputs),
    outputs = checkWidth('concatSquashLinear.outputs', spec.outputs);
  const { name: prefix, init } = checkLayerOptions(options, 'options');
  const weight = Parameter.zeros(rt, qualified(prefix, '_layer.weight'), outputs, inputs);
  const bias = Parameter.zeros(rt, qualified(prefix, '_layer.bias'), 1, outputs);
  const gateWeight = Parameter.zeros(rt, qualified(prefix, '_hyper_gate.weight'), outputs, 1);
  const gateBias = Parameter.zeros(rt, qualified(prefix, '_hyper_gate.bias'), 1, outputs);
  const shiftWeight = Parameter.zeros(rt, qualified(prefix, '_hyper_bias.weight'), outputs, 1);
  initDense(init, weight, bias, options.rng);
  initDense(init, gateWeight, gateBias, options.rng);
  initDense(init, shiftWeight, undefined, options.rng);
  return {
    spec: { type: 'concatSquashLinear', inputs, outputs },
    params: [weight, bias, gateWeight, gateBias, shiftWeight],
    inputs,
    outputs,
    apply(ops, x) {
      const y = ops.linear(x, weight, bias);
      const gate = ops.activation('sigmoid', ops.linear(ops.time, gateWeight, gateBias));
      const shift = ops.linear(ops.time, shiftWeight);
      return ops.add(ops.mul(y, ops.broadcastRows(gate, y)), ops.broadcastRows(shift, y));
    },
  };
}
