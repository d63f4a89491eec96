// Layers applied in turn, with widths checked where both sides state one. Children are named by their
// index, as nn.Sequential's state_dict names them ("0.weight", "2.bias", …).
import { ArgumentError } from '../errors.js';
import { chainWidths, checkLayerValue, type Layer } from './layer.js';

export function sequential(layers: readonly Layer[]): Layer {
  if (!Array.isArray(layers) || layers.length === 0)
    throw new ArgumentError('sequential.layers', 'a non-empty array of layers', layers);
  layers.forEach((l, i) => checkLayerValue(l, `layers[${i}]`));
  const { inputs, outputs } = chainWidths(layers, (i) => `layers[${i}]`);
  return {
    spec: { type: 'sequential', layers: layers.map((l) => l.spec) },
    params: layers.flatMap((l) => l.params),
    inputs,
    outputs,
    apply: (ops, x) => layers.reduce((h, layer) => layer.apply(ops, h), x),
  };
}
