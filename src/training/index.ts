export * from './schedules.js';
export type { Optimizer } from './optimizer.js';
export { Adam, ADAM_OPTION_KEYS, type AdamOptions } from './adam.js';
export { Adamax, ADAMAX_OPTION_KEYS, type AdamaxOptions } from './adamax.js';
export { Sgd, SGD_OPTION_KEYS, type SgdOptions } from './sgd.js';
export * from './minibatches.js';
export * from './metrics.js';
export { train, TRAIN_OPTION_KEYS, type Dataset, type TrainOptions, type PooledTrainOptions } from './loop.js';
export {
  LambdaController,
  checkLambdaControl,
  measureNfe,
  LAMBDA_CONTROL_KEYS,
  type LambdaControlOptions,
  type ControlledModel,
} from './lambda-control.js';
