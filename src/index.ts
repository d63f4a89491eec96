// taynode's public API.
export * from './errors.js';
export * from './config/index.js';
export * from './runtime/index.js';
export * from './random.js';
export * from './ode/index.js';
export * from './autodiff/index.js';
export * from './taylor/index.js';
export * from './dynamics/index.js';
// Both src/ode (a type: the solver's f) and src/dynamics (the network class) name a `Dynamics`;
// the class keeps the name, the solver's type is exported as OdeDynamics.
export { Dynamics } from './dynamics/index.js';
export type { Dynamics as OdeDynamics } from './ode/index.js';
export * from './training/index.js';
export * from './io/index.js';
export * from './model/index.js';
export { FUSED_MAX_BATCH, type InferencePath } from './inference/index.js';
export * from './nn/index.js';
export * from './parallel/index.js';
