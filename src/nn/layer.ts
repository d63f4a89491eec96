// What a layer is: a plain value holding its parameters (named as the equivalent PyTorch module's
// state_dict names them) and a function of one input written against NnOps, so the same layer runs
// inside dynamics (traced into a graph) and on the eager tape (encoders, heads). `spec` is the plain
// JSON that rebuilds it (saved with the weights).
import type { Parameter } from '../autodiff/parameter.js';
import type { Activation } from '../autodiff/ops/index.js';
import type { NnOps } from './ops.js';
import { ArgumentError } from '../errors.js';

export type LayerSpec =
  | { type: 'linear'; inputs: number; outputs: number; bias?: boolean }
  | { type: 'concatLinear'; inputs: number; outputs: number }
  | { type: 'concatSquashLinear'; inputs: number; outputs: number }
  | { type: 'activation'; fn: Activation }
  | { type: 'sequential'; layers: LayerSpec[] };

export interface Layer {
  readonly spec: LayerSpec;
  readonly params: readonly Parameter[];
  /** input and output widths; null where any width passes through (activations) */
  readonly inputs: number | null;
  readonly outputs: number | null;
  apply<V>(ops: NnOps<V>, x: V): V;
}

/** `${prefix}.${name}`, or `name` alone at the top level. */
export function qualified(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

/** A layer value (from src/nn's constructors), not a description or anything else. */
export function checkLayerValue(value: unknown, argument: string): asserts value is Layer {
  const l = value as Partial<Layer> | null;
  if (
    typeof l !== 'object' ||
    l === null ||
    typeof l.apply !== 'function' ||
    !Array.isArray(l.params) ||
    typeof l.spec !== 'object'
  ) {
    throw new ArgumentError(
      argument,
      'a layer value (linear(…), sequential([…]), createLayer(…); a description goes through createLayer)',
      value,
    );
  }
}

export interface Widths {
  inputs: number | null;
  outputs: number | null;
}

/**
 * The widths of layers applied in turn, checking that each stated input width is the previous stated
 * output width (activations state none and pass the width through). `argument(i)` names layer i.
 */
export function chainWidths(layers: readonly Widths[], argument: (i: number) => string): Widths {
  let inputs: number | null = null,
    width: number | null = null;
  layers.forEach((w, i) => {
    if (w.inputs !== null) {
      if (width !== null && w.inputs !== width)
        throw new ArgumentError(`${argument(i)}.inputs`, `${width} (the previous layer's outputs)`, w.inputs);
      inputs ??= w.inputs;
    }
    if (w.outputs !== null) width = w.outputs;
  });
  return { inputs, outputs: width };
}
