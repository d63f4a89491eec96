export * from './parameters.js';
export * from './schedules.js';
export type { Optimizer } from './optimizer.js';
export { Adam, type AdamOptions } from './adam.js';
export { Sgd, type SgdOptions } from './sgd.js';
export * from './minibatches.js';
export * from './metrics.js';
export { train, type Dataset, type TrainOptions } from './loop.js';
