export * from './strict.js';
export * from './limits.js';
