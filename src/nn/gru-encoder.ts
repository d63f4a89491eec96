// An encoder that runs a GRU over a sequence (optionally backwards in time, as the latent ODE's
// recognition network does) and maps its last hidden state through a readout layer. Runs on the tape.
import type { Parameter } from '../autodiff/parameter.js';
import type { Tape, Var } from '../autodiff/tape.js';
import { ArgumentError, ShapeError } from '../errors.js';
import type { Runtime } from '../runtime/wasm.js';
import { Tensor } from '../runtime/tensor.js';
import type { DenseOptions } from './dense.js';
import { gruCell, type GruCell } from './gru.js';
import { qualified, type Layer, type LayerSpec } from './layer.js';
import type { NnOps } from './ops.js';
import { createLayer, paramShapes } from './spec.js';
import { checkLayerOptions, checkLayerSizes, checkWidth } from './spec-checks.js';

export interface GruEncoderSpec {
  type: 'gru';
  /** features per time step */
  inputs: number;
  hidden: number;
  /** time steps per sequence; an example is steps × inputs values, time-major */
  steps: number;
  /** run from the last step to the first (default true) */
  reverse?: boolean;
  /** hidden → output */
  readout: LayerSpec;
}

/** Longest sequence an encoder description may ask to unroll (each step adds tape nodes). */
export const MAX_SEQUENCE_STEPS = 1 << 16;

/** Every parameter a GRU encoder description creates, by name, with its shape (no allocation). */
export function gruEncoderParamShapes(spec: GruEncoderSpec, prefix = ''): Map<string, [number, number]> {
  const h3 = 3 * spec.hidden;
  const shapes = new Map<string, [number, number]>([
    [qualified(prefix, 'gru.weight_ih'), [h3, spec.inputs]],
    [qualified(prefix, 'gru.weight_hh'), [h3, spec.hidden]],
    [qualified(prefix, 'gru.bias_ih'), [1, h3]],
    [qualified(prefix, 'gru.bias_hh'), [1, h3]],
  ]);
  paramShapes(spec.readout, qualified(prefix, 'readout')).forEach((v, k) => shapes.set(k, v));
  return shapes;
}

export interface GruEncoder {
  readonly spec: GruEncoderSpec;
  readonly gru: GruCell;
  readonly readout: Layer;
  readonly params: readonly Parameter[];
  readonly inputs: number;
  readonly outputs: number | null;
  /** x: [batch, steps·inputs] as a tape value → readout(h_last). */
  apply(ops: NnOps<Var>, x: Var, tape: Tape): Var;
}

export function gruEncoder(rt: Runtime, spec: GruEncoderSpec, options: DenseOptions): GruEncoder {
  checkLayerSizes(spec, ['inputs', 'hidden', 'steps', 'reverse', 'readout'], 'encoder');
  checkLayerOptions(options, 'options');
  if (spec.reverse !== undefined && typeof spec.reverse !== 'boolean')
    throw new ArgumentError('encoder.reverse', 'true or false', spec.reverse);
  const steps = spec.steps;
  if (!Number.isInteger(steps) || steps < 1 || steps > MAX_SEQUENCE_STEPS)
    throw new ArgumentError('encoder.steps', `an integer in [1, ${MAX_SEQUENCE_STEPS}]`, steps);
  checkWidth('encoder.inputs', spec.inputs);
  const prefix = options.name ?? '';
  const gru = gruCell(rt, { inputs: spec.inputs, hidden: spec.hidden }, { ...options, name: qualified(prefix, 'gru') });
  const readout = createLayer(rt, spec.readout, { ...options, name: qualified(prefix, 'readout') });
  if (readout.inputs !== null && readout.inputs !== gru.hidden)
    throw new ArgumentError('encoder.readout', `a layer taking the ${gru.hidden} hidden values`, readout.inputs);
  const reverse = spec.reverse ?? true;
  return {
    spec: { type: 'gru', inputs: spec.inputs, hidden: gru.hidden, steps, reverse, readout: readout.spec },
    gru,
    readout,
    params: [...gru.params, ...readout.params],
    inputs: steps * spec.inputs,
    outputs: readout.outputs,
    apply(ops, x, tape) {
      const [batch, width] = x.shape;
      if (width !== steps * spec.inputs)
        throw new ShapeError(
          `encoder: expected [batch, ${steps * spec.inputs}] (steps × inputs), got [${batch}, ${width}]`,
        );
      let h = tape.constant(Tensor.zeros(tape.rt.arena, batch, gru.hidden));
      for (let i = 0; i < steps; i++) {
        const step = reverse ? steps - 1 - i : i;
        h = gru.step(ops, ops.sliceCols(x, step * spec.inputs, spec.inputs), h);
      }
      return readout.apply(ops, h);
    },
  };
}
