// taynode's public API.
export * from './errors.js';
export * from './config/index.js';
export * from './runtime/index.js';
export * from './random.js';
export * from './ode/index.js';
export * from './autodiff/index.js';
export * from './taylor/index.js';
// Both src/ode (a type: the solver's f) and src/nn (the vector-field class) name a `Dynamics`;
// the class keeps the name, the solver's type is exported as OdeDynamics.
export { Dynamics } from './nn/index.js';
export type { Dynamics as OdeDynamics } from './ode/index.js';
export * from './training/index.js';
export * from './io/index.js';
export * from './terms/index.js';
export * from './model/index.js';
export * from './nn/index.js';
export * from './parallel/index.js';
