// taynode's public API.
export * from './errors.js';
export * from './runtime/index.js';
export * from './random.js';
export * from './ode/index.js';
