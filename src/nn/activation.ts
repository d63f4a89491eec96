// An elementwise activation as a layer (no parameters; any width), so a Sequential reads like PyTorch's
// nn.Sequential(nn.Sigmoid(), …). Every unary op with a Taylor rule is allowed.
import { ACTIVATIONS, type Activation } from '../autodiff/ops/index.js';
import { ArgumentError } from '../errors.js';
import type { Layer } from './layer.js';

export function activation(fn: Activation): Layer {
  if (!ACTIVATIONS.includes(fn)) throw new ArgumentError('activation.fn', `one of ${ACTIVATIONS.join(', ')}`, fn);
  return {
    spec: { type: 'activation', fn },
    params: [],
    inputs: null,
    outputs: null,
    apply: (ops, x) => ops.activation(fn, x),
  };
}
