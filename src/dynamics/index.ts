export { Dynamics } from './dynamics.js';
export type { GradientRequest, RegulariserResult } from './dynamics.js';
export { mlpDynamics } from './mlp.js';
export type { MlpSpec } from './mlp.js';
