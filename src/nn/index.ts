export type { Layer, LayerSpec } from './layer.js';
export type { NnOps } from './ops.js';
export { graphOps, tapeOps } from './ops.js';
export { linear, concatLinear, type DenseOptions } from './dense.js';
export { concatSquashLinear } from './concat-squash.js';
export { activation } from './activation.js';
export { sequential } from './sequential.js';
export { gruCell, type GruCell } from './gru.js';
export { gruEncoder, type GruEncoder, type GruEncoderSpec } from './gru-encoder.js';
export { createLayer, checkLayerSpec, paramShapes, type CreateOptions } from './spec.js';
export { defineDynamics, layerDynamics, type DynamicsFunction } from './define-dynamics.js';
export { INITIALISERS, initDense, checkInitialiser, type Initialiser } from './init.js';
export { MAX_WIDTH, MAX_LAYERS } from './spec-checks.js';
export { Dynamics } from './vector-field.js';
export {
  mlpDynamics,
  createNetwork,
  mlpView,
  checkNetworkSpec,
  parameterShapes,
  NETWORK_ACTIVATIONS,
  NETWORK_SPEC_KEYS,
} from './mlp.js';
export type { MlpSpec, NetworkSpec, NetworkActivation, Network, Mlp, MlpLayer } from './mlp.js';
