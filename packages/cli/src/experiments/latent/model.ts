// The latent ODE of the reference code (easy-neural-ode's latent_ode.py), scaled to the periodic set:
// a GRU run backwards over [x, mask, Δt] whose last state goes through Linear(50) → tanh → Linear(2L) to
// the mean and log-std of q(z0 | x); an ODE in the L-dimensional latent space with autonomous dynamics
// [tanh, Linear(units)] × layers → tanh → Linear(L), solved by dopri5; a Linear(L → 1) read-out at every
// output time (L → C for C channels). R_K (if λ > 0) is integrated with the decoder ODE only.
import {
  type Parameter,
  type LayerSpec,
  type Layer,
  gruEncoder,
  type GruEncoder,
  createLayer,
  NeuralOde,
  type GradientMethod,
  type NeuralOdeConfig,
  type SolverConfig,
  type TermConfig,
  type Rng,
  ArgumentError,
  type Runtime,
} from 'taynode';
import { channelFeatures } from './channel-batches.js';

export interface LatentArchitecture {
  /** latent size L */
  latent: number;
  /** GRU hidden units */
  gruHidden: number;
  /** hidden units of the encoder's read-out (Linear → tanh → Linear(2L)) */
  readoutHidden: number;
  /** hidden units of each dynamics layer */
  units: number;
  /** [tanh, Linear(units)] repeats in the dynamics before tanh → Linear(L) */
  layers: number;
  /**
   * the starting bias of q's log-std outputs: log 0.1 by default, so z0 starts out close to its mean
   * (at log-std 0, σ = 1 buried the encoder's signal and training sat at the series' mean for hundreds
   * of steps; the reference's |std| starts near 0.1 from its N(0, 0.1) weights)
   */
  initLogStd: number;
  /** observed channels C (default 1): the encoder reads [x_1..x_C, m_1..m_C, Δt], the read-out is L → C */
  channels?: number;
}

export const DEFAULT_ARCHITECTURE: LatentArchitecture = {
  latent: 10,
  gruHidden: 50,
  readoutHidden: 50,
  units: 50,
  layers: 4,
  initLogStd: Math.log(0.1),
};

export interface DecoderSettings {
  tMax: number;
  /** R_K order and weight; λ = 0 integrates no regulariser state at all */
  order: number;
  lambda: number;
  /** samples of z0 per series per step: each sample's solve carries λ/samples, so the penalty is λ·(mean R_K) */
  samples: number;
  solver: SolverConfig;
  gradient: GradientMethod;
}

export interface LatentOde {
  readonly arch: LatentArchitecture;
  readonly encoder: GruEncoder;
  readonly decoder: NeuralOde;
  readonly readout: Layer;
  readonly params: Parameter[];
  /** encoder steps (grid points the encoder reads) */
  readonly steps: number;
}

export function dynamicsSpec(a: LatentArchitecture): LayerSpec {
  const layers: LayerSpec[] = [];
  for (let l = 0; l < a.layers; l++) {
    layers.push(
      { type: 'activation', fn: 'tanh' },
      { type: 'linear', inputs: l === 0 ? a.latent : a.units, outputs: a.units },
    );
  }
  layers.push(
    { type: 'activation', fn: 'tanh' },
    { type: 'linear', inputs: a.layers === 0 ? a.latent : a.units, outputs: a.latent },
  );
  return { type: 'sequential', layers };
}

export function decoderConfig(a: LatentArchitecture, d: DecoderSettings): NeuralOdeConfig {
  const terms: TermConfig[] = d.lambda > 0 ? [{ kind: 'taylor', order: d.order, lambda: d.lambda / d.samples }] : [];
  return {
    dynamics: dynamicsSpec(a),
    t0: 0,
    t1: d.tMax,
    terms,
    // only z in the error norm: training takes the steps the model takes when it predicts
    solver: { errorNorm: 'state', ...d.solver },
    gradient: d.gradient,
  };
}

export function createLatentOde(
  rt: Runtime,
  a: LatentArchitecture,
  d: DecoderSettings,
  steps: number,
  rng: Rng,
): LatentOde {
  const encoder = gruEncoder(
    rt,
    {
      type: 'gru',
      inputs: channelFeatures(a.channels ?? 1),
      hidden: a.gruHidden,
      steps,
      reverse: true,
      readout: {
        type: 'sequential',
        layers: [
          { type: 'linear', inputs: a.gruHidden, outputs: a.readoutHidden },
          { type: 'activation', fn: 'tanh' },
          { type: 'linear', inputs: a.readoutHidden, outputs: 2 * a.latent },
        ],
      },
    },
    { rng, name: 'encoder' },
  );
  // the last read-out layer's bias: [mean (L) | log-std (L)]
  const bias = encoder.readout.params[encoder.readout.params.length - 1];
  bias.value.copyFrom(bias.value.toFloat64Array().map((v, i) => (i >= a.latent ? v + a.initLogStd : v)));
  // Glorot (xavier_uniform, zero biases) keeps the gain of each 50-wide tanh layer near 1, as haiku's
  // default (variance 1/fan_in) does in the reference; PyTorch's U(±1/√fan_in) shrinks it ~0.6× per
  // layer, so the initial dynamics were a near-constant drift and training sat at the series' mean.
  const decoder = NeuralOde.create(rt, { ...decoderConfig(a, d), init: 'glorot' }, rng, { name: 'decoder' });
  const readout = createLayer(
    rt,
    { type: 'linear', inputs: a.latent, outputs: a.channels ?? 1 },
    { rng, name: 'readout' },
  );
  return {
    arch: a,
    encoder,
    decoder,
    readout,
    params: [...encoder.params, ...(decoder.params as Parameter[]), ...readout.params],
    steps,
  };
}

/** The same weights under other decoder settings (an evaluation tolerance, a monitoring-only R_K). */
export function withDecoder(model: LatentOde, config: Partial<NeuralOdeConfig>): LatentOde {
  const decoder = new NeuralOde(model.decoder.rt, model.decoder.network, { ...model.decoder.config, ...config });
  return { ...model, decoder };
}

/** Fills a model's weights from a safetensors file written by `taynode latent` (names and shapes must match). */
export function loadLatentWeights(
  model: LatentOde,
  tensors: Map<string, { shape: number[]; data: Float64Array }>,
): void {
  for (const p of model.params) {
    const t = tensors.get(p.name);
    if (!t || t.data.length !== p.value.size)
      throw new ArgumentError(`weights.${p.name}`, `a tensor of ${p.value.size} values`, t ? t.data.length : 'missing');
    p.value.copyFrom(t.data);
  }
}
