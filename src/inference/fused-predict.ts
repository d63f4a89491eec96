// The fused path's entry for NeuralOde.predict: decides whether a prediction can run on the layer
// table (fused-solve.ts) and runs it, or says why not; the caller then takes the graph path. Either
// way the caller reports the path taken (`result.path`), so a user can see which one served them.
import type { Runtime } from '../runtime/wasm.js';
import type { Network } from '../nn/mlp.js';
import { resolveOptions, type SolveOptions } from '../ode/options.js';
import { compileNetwork, layoutTable, type LayerStack, type LayerTable } from './layer-table.js';
import { fusedSolve, type FusedSolution } from './fused-solve.js';

/** Which path served a prediction: the fused layer table, or the graph interpreter and why. */
export interface InferencePath {
  fused: boolean;
  /** why the fused path did not serve it (absent when it did) */
  reason?: string;
}

/**
 * Batches up to this size take the fused path. Its rows past the GEMM's four-row tiles read every weight
 * once per row, which beats the graph path's packed panels at 1–3 rows (2-64-64-2: 7.3×, 3.0×, 2.0×;
 * MNIST 2.5×, 1.8×, 1.5×); from four rows on, the bit-equal order of a whole tile costs it the race
 * (0.8–1.2× at 4, 0.55× at 16: BENCHMARKS.md, "Inference at batch 1").
 */
export const FUSED_MAX_BATCH = 3;

/** What the fused path needs of a model (a NeuralOde). */
export interface FusedModel {
  readonly rt: Runtime;
  readonly network: Network;
  readonly stateSize: number;
  readonly config: { readonly t0: number; readonly t1: number };
}

export interface FusedRequest {
  /** the initial states [batch, D], checked by the caller */
  z0: Float64Array;
  batch: number;
  /** the output times the caller resolved (t1 alone when none were asked for) */
  times: readonly number[];
  /** src/ode options for the model's solver settings */
  solve: SolveOptions;
  onEvaluation?: unknown;
  /** a norm of the caller's (a worker pool's shared steps): the fused solve has its own RMS norm only */
  norm?: unknown;
}

const stacks = new WeakMap<Network, LayerStack | string>();
const tables = new WeakMap<LayerStack, Map<string, LayerTable>>();
/** batch sizes × dtypes laid out per stack before the oldest is dropped */
const TABLES_PER_STACK = 8;

/**
 * z(t1) and the solver's statistics from the fused path, or the reason it does not apply. `maxBatch`
 * (default FUSED_MAX_BATCH) lets a test or a benchmark run it on larger batches, where it is correct but slower.
 */
export function fusedPredict(
  model: FusedModel,
  request: FusedRequest,
  maxBatch = FUSED_MAX_BATCH,
): FusedSolution | string {
  const reason = uncovered(model, request, maxBatch);
  if (reason) return reason;
  let stack = stacks.get(model.network);
  if (stack === undefined) {
    stack = compileNetwork(model.network, model.stateSize);
    stacks.set(model.network, stack);
  }
  if (typeof stack === 'string') return stack;
  const opts = resolveOptions(request.solve, request.z0.length, Float64Array.of(model.config.t0, model.config.t1));
  if (opts.grid !== null) return 'a fixed step grid (solver.steps)';
  return fusedSolve(
    model.rt,
    tableFor(stack, request.batch, model.rt.arena.valueBytes),
    request.batch,
    request.z0,
    model.config.t0,
    model.config.t1,
    opts,
  );
}

function uncovered(model: FusedModel, request: FusedRequest, maxBatch: number): string | null {
  if (request.batch > maxBatch) return `batch ${request.batch} > ${maxBatch} (the graph path's GEMM is faster there)`;
  if (request.onEvaluation !== undefined)
    return 'onEvaluation (the fused path does not return to JavaScript between evaluations)';
  if (request.times.some((t) => t !== model.config.t1)) return 'output times before t1 (dense output)';
  if (request.norm !== undefined) return "a norm of the caller's (a worker pool's shared steps)";
  return null;
}

function tableFor(stack: LayerStack, batch: number, valueBytes: number): LayerTable {
  let byBatch = tables.get(stack);
  if (!byBatch) tables.set(stack, (byBatch = new Map()));
  const key = `${batch}:${valueBytes}`;
  let table = byBatch.get(key);
  if (!table) {
    if (byBatch.size >= TABLES_PER_STACK) byBatch.delete(byBatch.keys().next().value!);
    table = layoutTable(stack, batch, valueBytes);
    byBatch.set(key, table);
  }
  return table;
}
