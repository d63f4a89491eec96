export type { Op, Site, Shape, Ptr } from './op.js';
export { ops, ACTIVATIONS } from './ops/index.js';
export type { Activation, OpName } from './ops/index.js';
export { Parameter } from './parameter.js';
export * from './parameters.js';
export { Tape, Var } from './tape.js';
export { Graph, GraphBuilder, GraphValue } from './graph.js';
export type { GraphNode } from './graph.js';
export { Program } from './program.js';
