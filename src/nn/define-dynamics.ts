// User-defined dynamics f(z, t; θ): a function over NnOps values, traced once into a graph. Every op
// carries its forward, VJP, Taylor rule and Taylor VJP, so the result gets the solve, the gradient,
// d^K z/dt^K, R_K and the RNODE terms with no further code.
import { GraphBuilder, type GraphValue } from '../autodiff/graph.js';
import { Dynamics } from './vector-field.js';
import { ArgumentError } from '../errors.js';
import type { Runtime } from '../runtime/wasm.js';
import type { Layer } from './layer.js';
import { graphOps, type NnOps } from './ops.js';

export type DynamicsFunction = (ops: NnOps<GraphValue>, z: GraphValue) => GraphValue;

/** Traces `f` (z [batch, stateSize] → dz/dt of the same shape; the time is ops.time). */
export function defineDynamics(rt: Runtime, stateSize: number, f: DynamicsFunction): Dynamics {
  if (typeof f !== 'function') throw new ArgumentError('f', 'a function (ops, z) => dz/dt', f);
  const builder = new GraphBuilder(stateSize);
  return new Dynamics(rt, builder.build(f(graphOps(builder), builder.state)));
}

/** A layer (e.g. a sequential) as the dynamics of a state of its input width. */
export function layerDynamics(rt: Runtime, layer: Layer, stateSize: number): Dynamics {
  if (layer.inputs !== null && layer.inputs !== stateSize)
    throw new ArgumentError('dynamics', `a layer taking the state's ${stateSize} values`, layer.inputs);
  if (layer.outputs !== null && layer.outputs !== stateSize)
    throw new ArgumentError('dynamics', `a layer returning ${stateSize} values (dz/dt)`, layer.outputs);
  return defineDynamics(rt, stateSize, (ops, z) => layer.apply(ops, z));
}
