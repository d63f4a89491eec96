// The latent-ODE objective on one batch, with its gradient, written around the library's pieces:
//   encoder (tape) → q(z0|x) = N(μ, diag σ²) → z0_s = μ + σ ⊙ ε_s (ε seeded, S samples)
//   → decoder ODE to every output time (NeuralOde.forward, one solve per sample) → read-out (tape)
//   → masked Gaussian log-likelihood (σ_obs) per observed point, KL(q || N(0, I)) averaged over batch
//   and latent dimensions, as the reference averages both.
// loss = −log mean_s exp(ll_s − c·KL) + Σ λ·R_K, ll_s the log-likelihood per observed point of sample s
// and c the KL weight (annealed); S = 1 gives −ll + c·KL (the reference's logsumexp lacks the −log S,
// a constant). Backward: the read-out tape gives ∂L/∂zs, NeuralOde.backward (replay or adjoint) gives
// ∂L/∂z0_s, and one backward pass of the encoder tape takes Σ_s ⟨z0_s, ∂L/∂z0_s⟩ + c·KL as its root.
import { Tape, type Var, ArgumentError, ShapeError, tapeOps, type ForwardPass, Tensor, zeroGrads } from 'taynode';
import type { LatentBatch } from './batches.js';
import type { LatentOde } from './model.js';

export interface LatentObjectiveOptions {
  /** ε for each sample, each [batch, L] */
  eps: Float64Array[];
  /** weight c of the KL term (annealed from 0 to 1 while training; 1 for the ELBO) */
  klWeight: number;
  /** observation noise σ of the Gaussian likelihood (0.01) */
  sigma: number;
  gradient?: boolean;
}

export interface LatentObjectiveResult {
  /** the training loss: −log mean_s exp(ll_s − c·KL) + Σ λ·R_K */
  loss: number;
  /** −(that bound) without the regulariser: per observed point */
  negElbo: number;
  /** log-likelihood per observed point, per sample */
  logLik: number[];
  kl: number;
  /** masked mean squared error, averaged over the samples */
  mse: number;
  /** the decoder's terms at t1 (R_K), averaged over the samples */
  regularizers: Record<string, number>;
  nfeForward: number;
  nfeBackward: number;
  /** the posterior mean μ [batch, L] */
  mean: Float64Array;
  /** read-out at the output times, sample 0 [times, batch, channels] */
  prediction: Float64Array;
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

export function latentObjective(
  model: LatentOde,
  batch: LatentBatch,
  options: LatentObjectiveOptions,
): LatentObjectiveResult {
  const { eps, klWeight, sigma } = options;
  const wantGrad = options.gradient ?? true;
  const L = model.arch.latent,
    B = batch.size,
    T = batch.times.length,
    C = model.arch.channels ?? 1;
  if (batch.target.length !== T * B * C || batch.mask.length !== T * B * C)
    throw new ShapeError(
      `batch: expected targets and mask of ${T} × ${B} × ${C} (times × series × channels), got ${batch.target.length} and ${batch.mask.length}`,
    );
  if (!Array.isArray(eps) || eps.length === 0)
    throw new ArgumentError('eps', 'one ε array per sample (at least one)', eps);
  eps.forEach((e, s) => {
    if (!(e instanceof Float64Array) || e.length !== B * L)
      throw new ShapeError(`eps[${s}]: expected ${B} × ${L} values, got ${e?.length}`);
  });
  if (!(klWeight >= 0) || !Number.isFinite(klWeight))
    throw new ArgumentError('klWeight', 'a finite weight ≥ 0', klWeight);
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new ArgumentError('sigma', 'a finite σ > 0', sigma);
  if (batch.observed === 0) throw new ArgumentError('batch', 'a batch with at least one scored observation', 0);
  const rt = model.decoder.rt;
  const { arena } = rt;
  if (wantGrad) zeroGrads(model.params);
  return arena.scope(() => {
    const tape = new Tape(rt);
    const ops = tapeOps(tape, 0, { grad: wantGrad });
    const q = model.encoder.apply(ops, tape.constant(Tensor.from(arena, batch.x, B, model.encoder.inputs)), tape);
    const mean = ops.sliceCols(q, 0, L),
      logStd = ops.sliceCols(q, L, L);
    // KL(N(μ, σ²) || N(0, 1)) = ½(σ² + μ² − 1) − log σ, averaged over batch and latent dimensions
    const klVar = tape.mean(
      tape.sub(tape.affine(tape.add(tape.exp(tape.affine(logStd, 2)), tape.square(mean)), 0.5, -0.5), logStd),
    );
    const kl = klVar.value.data[0];
    const std = tape.exp(logStd);
    const z0s = eps.map((e) => tape.add(mean, tape.mul(std, tape.constant(Tensor.from(arena, e, B, L)))));

    const passes: ForwardPass[] = [];
    const heads: { tape: Tape; zs: Var; pred: Var }[] = [];
    const logLik: number[] = [];
    const residuals: Float64Array[] = [];
    let mse = 0;
    for (const z0 of z0s) {
      const pass = model.decoder.forward(z0.value.toFloat64Array(), { record: wantGrad, times: batch.times });
      passes.push(pass);
      const headTape = new Tape(rt);
      const zs = headTape.variable(Tensor.from(arena, pass.result.zs, T * B, L));
      const pred = model.readout.apply(tapeOps(headTape, 0, { grad: wantGrad }), zs);
      heads.push({ tape: headTape, zs, pred });
      const p = pred.value.data;
      const r = new Float64Array(T * B * C);
      let sq = 0;
      for (let i = 0; i < T * B * C; i++) {
        r[i] = batch.mask[i] * (p[i] - batch.target[i]);
        sq += r[i] * r[i];
      }
      residuals.push(r);
      logLik.push(-sq / (2 * sigma * sigma * batch.observed) - Math.log(sigma) - HALF_LOG_2PI);
      mse += sq / batch.observed / z0s.length;
    }
    // −log mean_s exp(a_s), a_s = ll_s − c·KL, and its weights w_s = softmax(a)_s
    const a = logLik.map((ll) => ll - klWeight * kl);
    const top = Math.max(...a);
    const sumExp = a.reduce((acc, v) => acc + Math.exp(v - top), 0);
    const negElbo = -(top + Math.log(sumExp / a.length));
    const w = a.map((v) => Math.exp(v - top) / sumExp);
    const regularizers: Record<string, number> = {};
    let penalty = 0;
    for (const pass of passes) {
      penalty += pass.result.loss;
      for (const [k, v] of Object.entries(pass.result.regularizers))
        regularizers[k] = (regularizers[k] ?? 0) + v / passes.length;
    }
    let nfeBackward = 0;
    if (wantGrad) {
      let root = tape.affine(klVar, klWeight);
      passes.forEach((pass, s) => {
        // ∂L/∂pred = −w_s · ∂ll_s/∂pred = w_s · mask·(pred − x)/(σ²·N)
        const scale = w[s] / (sigma * sigma * batch.observed);
        const seed = Tensor.from(
          arena,
          residuals[s].map((r) => scale * r),
          T * B,
          C,
        );
        heads[s].tape.backward(heads[s].pred, seed);
        const zbar0 = model.decoder.backward(pass, heads[s].zs.grad!.toFloat64Array());
        nfeBackward += pass.result.nfeBackward;
        root = tape.add(root, tape.sum(tape.mul(z0s[s], tape.constant(Tensor.from(arena, zbar0, B, L)))));
      });
      tape.backward(root);
    }
    return {
      loss: negElbo + penalty,
      negElbo,
      logLik,
      kl,
      mse,
      regularizers,
      nfeForward: passes.reduce((n, p) => n + p.result.nfeForward, 0),
      nfeBackward,
      mean: mean.value.toFloat64Array(),
      prediction: heads[0].pred.value.toFloat64Array(),
    };
  });
}

/** ε for `samples` samples of a [batch, L] latent, drawn in order from `rng`. */
export function drawEps(rng: { normal(): number }, samples: number, batch: number, latent: number): Float64Array[] {
  return Array.from({ length: samples }, () => Float64Array.from({ length: batch * latent }, () => rng.normal()));
}

/** The posterior mean μ of q(z0 | x) for a batch [batch, L] (no gradients). */
export function posteriorMean(model: LatentOde, batch: LatentBatch): Float64Array {
  const rt = model.decoder.rt;
  return rt.arena.scope(() => {
    const tape = new Tape(rt);
    const ops = tapeOps(tape, 0, { grad: false });
    const q = model.encoder.apply(
      ops,
      tape.constant(Tensor.from(rt.arena, batch.x, batch.size, model.encoder.inputs)),
      tape,
    );
    return ops.sliceCols(q, 0, model.arch.latent).value.toFloat64Array();
  });
}

/** The read-out of latent states [rows, L] → [rows, C] (no gradients). */
export function readOut(model: LatentOde, zs: Float64Array): Float64Array {
  const rt = model.decoder.rt;
  const L = model.arch.latent;
  return rt.arena.scope(() => {
    const tape = new Tape(rt);
    return model.readout
      .apply(tapeOps(tape, 0, { grad: false }), tape.constant(Tensor.from(rt.arena, zs, zs.length / L, L)))
      .value.toFloat64Array();
  });
}
