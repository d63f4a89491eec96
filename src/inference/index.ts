// Inference at small batch sizes as fast as its arithmetic: a model's layer stack as one table that
// one kernel call evaluates (layer-table.ts, assembly/inference.ts), odeint's adaptive loop around it
// (fused-solve.ts), and the decision whether a prediction can take that path (fused-predict.ts).
export {
  fusedPredict,
  FUSED_MAX_BATCH,
  type InferencePath,
  type FusedModel,
  type FusedRequest,
} from './fused-predict.js';
export {
  compileNetwork,
  layoutTable,
  OP_WORDS,
  type LayerOp,
  type LayerStack,
  type LayerTable,
} from './layer-table.js';
export { fusedSolve, type FusedSolution } from './fused-solve.js';
