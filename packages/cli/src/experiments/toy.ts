// The paper's Figure 1 experiment: fit z(1) = z(0) + z(0)³ with a 1-D neural ODE (50-unit sigmoid MLP
// with the time as an input), once without regularisation and once per λ of a small sweep with R_K
// added, then compare the test loss and the NFE dopri5 needs at the same tolerance.
// Scaling: x ∈ [−3, 3] is mapped to z = x / scale and the target to (x + x³) / scale, so the model is a
// flow of one variable (z ↦ z + scale²·z³); scale = 3 puts the inputs in [−1, 1].
// NFE is counted on predictions alone (no regulariser state), both models at the same tolerance: the
// paper's default 1.4e-8 (training runs at a looser one, which only sets the gradient's accuracy).
import {
  ArgumentError,
  Rng,
  type Runtime,
  NeuralOde,
  type NeuralOdeConfig,
  Adam,
  train,
  type IterationMetrics,
  type MetricsLog,
  type WorkerPool,
  piecewiseConstant,
  type RuntimeDtype as Dtype,
} from 'taynode';
import { measuredModel } from '../eval-dtype.js';

export interface ToySettings {
  iterations: number;
  /** R_K order */
  order: number;
  /** λ values to try with R_K */
  lambdas: number[];
  hidden: number;
  scale: number;
  trainPoints: number;
  testPoints: number;
  batchSize: number;
  lr: number;
  /** AdamW (decoupled) weight decay, the same for every run */
  weightDecay: number;
  /** dopri5 tolerance (rtol = atol) during training */
  trainTol: number;
  /** dopri5 tolerance (rtol = atol) for the reported NFE and loss (the paper's default: 1.4e-8) */
  evalTol: number;
  /** the value type an f32-trained model is measured in (src/cli/eval-dtype.ts) */
  evalDtype: Dtype;
  /** further tolerances at which both models' NFE is also reported */
  compareTols: number[];
  seed: number;
  /** accept a regularised run whose test loss is at most this multiple of the unregularised one */
  maxLossRatio: number;
  /** weight initialisation: 'pytorch' (uniform ±1/√fan_in, weights and biases) or 'glorot' (normal, std √(2/(fan_in+fan_out)), zero biases: JAX stax's Dense, the reference code's) */
  init: ToyInit;
}

export type ToyInit = 'pytorch' | 'glorot';
export const TOY_INITS: readonly ToyInit[] = ['pytorch', 'glorot'];

export const DEFAULT_TOY: ToySettings = {
  iterations: 1000,
  order: 3,
  lambdas: [0.01, 0.1, 1],
  hidden: 50,
  scale: 3,
  trainPoints: 100,
  testPoints: 200,
  batchSize: 100,
  lr: 0.03,
  weightDecay: 0,
  trainTol: 1e-6,
  evalTol: 1.4e-8,
  evalDtype: 'float64',
  compareTols: [1e-4, 1e-6],
  seed: 0,
  maxLossRatio: 1.1,
  init: 'pytorch',
};

export interface ToyRun {
  lambda: number;
  model: NeuralOde;
  log: IterationMetrics[];
  trainLoss: number;
  /** test MSE at the evaluation tolerance */
  testLoss: number;
  /** dopri5 NFE on the test batch at the evaluation tolerance (one step size for the batch) */
  nfe: number;
  /** mean dopri5 NFE over the test inputs solved one at a time */
  nfePerExample: number;
  /** R_K of the trained model on the test batch (for every run, regularised or not) */
  rK: number;
  /** NFE (test batch and per example) at each of settings.compareTols */
  atTols: { tol: number; nfe: number; nfePerExample: number }[];
  trainSeconds: number;
}

export interface ToyData {
  trainInputs: Float64Array;
  trainTargets: Float64Array;
  testInputs: Float64Array;
  testTargets: Float64Array;
}

export function toyData(s: ToySettings): ToyData {
  if (!Number.isInteger(s.trainPoints) || s.trainPoints < 2)
    throw new ArgumentError('trainPoints', 'an integer ≥ 2', s.trainPoints);
  const map = (x: number) => (x + x ** 3) / s.scale;
  const trainX = Float64Array.from({ length: s.trainPoints }, (_, i) => -3 + (6 * i) / (s.trainPoints - 1));
  const rng = new Rng(s.seed + 1_000_003);
  const testX = Float64Array.from({ length: s.testPoints }, () => rng.uniformIn(-3, 3));
  return {
    trainInputs: trainX.map((x) => x / s.scale),
    trainTargets: trainX.map(map),
    testInputs: testX.map((x) => x / s.scale),
    testTargets: testX.map(map),
  };
}

/** dopri5 with rtol = atol = tol: every solve of this experiment. */
const dopri5 = (tol: number) => ({ method: 'dopri5' as const, rtol: tol, atol: tol });

export function toyConfig(s: ToySettings, lambda: number): NeuralOdeConfig {
  return {
    mlp: { widths: [1, s.hidden, 1], activation: 'sigmoid' },
    // λ = 0 integrates no regulariser at all: the extra state would change the unregularised solve's steps.
    regularizers: lambda > 0 ? { order: s.order, lambda } : {},
    solver: dopri5(s.trainTol),
  };
}

/**
 * NFE of predictions alone (no regulariser states) at one tolerance: the test batch in one solve (one
 * step size for the batch) and the mean over the test inputs solved one at a time; with the batch's MSE.
 */
export function solveCost(
  model: NeuralOde,
  data: ToyData,
  tol: number,
): { testLoss: number; nfe: number; nfePerExample: number } {
  const solver = dopri5(tol);
  const p = model.predict(data.testInputs, { solver });
  let mse = 0;
  for (let i = 0; i < p.z1.length; i++) mse += (p.z1[i] - data.testTargets[i]) ** 2;
  mse /= p.z1.length;
  let nfeSum = 0;
  for (let i = 0; i < data.testInputs.length; i++)
    nfeSum += model.predict(data.testInputs.subarray(i, i + 1), { solver }).stats.nfe;
  return { testLoss: mse, nfe: p.stats.nfe, nfePerExample: nfeSum / data.testInputs.length };
}

/** Test MSE and dopri5 NFE at the evaluation tolerance (and the NFE at compareTols), and R_K of a trained model. */
export function evaluateToy(
  model: NeuralOde,
  data: ToyData,
  s: ToySettings,
): { testLoss: number; nfe: number; nfePerExample: number; rK: number; atTols: ToyRun['atTols'] } {
  const main = solveCost(model, data, s.evalTol);
  const probe = new NeuralOde(model.rt, model.network, {
    ...model.config,
    regularizers: { order: s.order, lambda: 0 },
    solver: dopri5(s.evalTol),
  });
  const rK = probe.objective(data.testInputs, data.testTargets, { gradient: false }).regularizers[`r${s.order}`];
  const atTols = s.compareTols.map((tol) => {
    const c = solveCost(model, data, tol);
    return { tol, nfe: c.nfe, nfePerExample: c.nfePerExample };
  });
  return { ...main, rK, atTols };
}

export function trainToy(
  rt: Runtime,
  s: ToySettings,
  data: ToyData,
  lambda: number,
  onIteration?: (r: IterationMetrics) => void,
): ToyRun {
  const run = toyTraining(rt, s, data, lambda, onIteration);
  return run.finish(train(run.options));
}

/** trainToy across a worker pool (train's `pool`). */
export async function trainToyOn(
  pool: WorkerPool,
  rt: Runtime,
  s: ToySettings,
  data: ToyData,
  lambda: number,
  onIteration?: (r: IterationMetrics) => void,
): Promise<ToyRun> {
  const run = toyTraining(rt, s, data, lambda, onIteration);
  return run.finish(await train({ ...run.options, pool }));
}

function toyTraining(
  rt: Runtime,
  s: ToySettings,
  data: ToyData,
  lambda: number,
  onIteration?: (r: IterationMetrics) => void,
) {
  // Same initial weights and batch order for every λ: only the regulariser differs.
  const model = NeuralOde.create(rt, toyConfig(s, lambda), new Rng(s.seed));
  if (s.init === 'glorot') glorotInit(model, new Rng(s.seed));
  const optimizer = new Adam(rt.kernels, model.params, {
    lr: piecewiseConstant([Math.floor(s.iterations * 0.7)], [s.lr, s.lr / 3]),
    weightDecay: s.weightDecay,
    decoupledWeightDecay: true,
  });
  const start = performance.now();
  const options = {
    model,
    optimizer,
    data: { inputs: data.trainInputs, targets: data.trainTargets },
    iterations: s.iterations,
    batchSize: Math.min(s.batchSize, s.trainPoints),
    rng: new Rng(s.seed + 17),
    onIteration,
  };
  const finish = (log: MetricsLog): ToyRun => {
    const trainSeconds = (performance.now() - start) / 1000;
    const ev = evaluateToy(measuredModel(model, s.evalDtype), data, s);
    return { lambda, model, log: log.records, trainLoss: log.last?.dataLoss ?? NaN, ...ev, trainSeconds };
  };
  return { options, finish };
}

/** Re-draws the weights like JAX stax's Dense (glorot_normal over [out, in + time]) with zero biases. */
export function glorotInit(model: NeuralOde, rng: Rng): void {
  for (const layer of model.network.mlp!.layers) {
    const w = layer.weight.value;
    const std = Math.sqrt(2 / (w.rows + w.cols));
    w.copyFrom(rng.fill(new Float64Array(w.size), (r) => std * r.normal()));
    layer.bias.value.copyFrom(new Float64Array(layer.bias.value.size));
  }
}

/** The regularised run to report: the fewest NFE among runs within the loss budget, else the lowest loss. */
export function chooseRun(unreg: ToyRun, regs: ToyRun[], maxLossRatio: number): { run: ToyRun; withinBudget: boolean } {
  const ok = regs.filter((r) => r.testLoss <= maxLossRatio * unreg.testLoss);
  if (ok.length)
    return {
      run: ok.reduce((a, b) => (b.nfe < a.nfe || (b.nfe === a.nfe && b.testLoss < a.testLoss) ? b : a)),
      withinBudget: true,
    };
  return { run: regs.reduce((a, b) => (b.testLoss < a.testLoss ? b : a)), withinBudget: false };
}
