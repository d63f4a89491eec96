// taynode's public API.
export * from './errors.js';
export * from './runtime/index.js';
export * from './random.js';
export * from './ode/index.js';
export * from './autodiff/index.js';
export * from './taylor/index.js';
export * from './dynamics/index.js';
