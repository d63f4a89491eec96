// A model is values, not a class per architecture: an optional encoder (layers, or a GRU over a
// sequence) → one or more ODE blocks (NeuralOde: dynamics, times, solver, terms) → an optional head,
// with one parameter list. The encoder and head run on the eager tape; the blocks' gradients go
// through the solver (checkpointed replay or adjoint). The head is differentiated with the data loss,
// so ∂L/∂z(t1) is the cotangent the last block carries back, and the first block's ∂L/∂z(t0) seeds
// the encoder's backward pass.
import { Tape, type Var } from '../autodiff/tape.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { checkRng, type Rng } from '../random.js';
import type { Runtime } from '../runtime/wasm.js';
import { Tensor } from '../runtime/tensor.js';
import { totalStats, type SolverStats } from '../ode/stats.js';
import type { Layer, LayerSpec } from '../nn/layer.js';
import {
  gruEncoder,
  gruEncoderParamShapes,
  MAX_SEQUENCE_STEPS,
  type GruEncoder,
  type GruEncoderSpec,
} from '../nn/gru-encoder.js';
import { checkInitialiser, type Initialiser } from '../nn/init.js';
import { checkLayerSpec, createLayer, paramShapes, specWidths } from '../nn/spec.js';
import { parameterShapes } from '../nn/mlp.js';
import { checkLayerValue } from '../nn/layer.js';
import { checkParamsOn, checkRuntime } from '../runtime/check.js';
import { checkKeys, checkObject, checkParameterBudget, checkWidth } from '../nn/spec-checks.js';
import { checkBoolean } from '../config/strict.js';
import { checkSolverConfig } from './solver-config.js';
import { tapeOps } from '../nn/ops.js';
import { checkParameters, zeroGrads, type ParameterLike } from '../autodiff/parameters.js';
import { checkFiniteGradient, checkLoss, mseLoss, type DataLoss } from './losses.js';
import type { SeriesLoss } from './series-losses.js';
import {
  checkConfig,
  NeuralOde,
  type ForwardPass,
  type NeuralOdeConfig,
  type SolverConfig,
  type StateNorm,
} from './neural-ode.js';
import { checkBatchFits } from '../runtime/batch-fits.js';
import type { InferencePath } from '../inference/index.js';

export type Encoder = Layer | GruEncoder;

/** A model as plain JSON: what Model.create builds and saveModel stores. */
export interface ModelSpec {
  /** a layer description, or a GRU run over a sequence */
  encoder?: LayerSpec | GruEncoderSpec;
  /** ODE blocks in turn, each with its `dynamics` description, times, solver, terms and gradient method */
  blocks: NeuralOdeConfig[];
  head?: LayerSpec;
  /** how every part's weights are first drawn, unless a block says otherwise (default 'pytorch') */
  init?: Initialiser;
}

/** More blocks than this in one description is a mistake, not a model. */
export const MAX_BLOCKS = 64;

/** Validates a model description strictly (unknown keys refused by name, sizes bounded) before anything is built. */
export function checkModelSpec(value: unknown): ModelSpec {
  const spec = checkObject(value, 'model', 'an object { encoder?, blocks, head?, init? }');
  checkKeys(spec, ['encoder', 'blocks', 'head', 'init'], 'model');
  if (spec.init !== undefined) checkInitialiser(spec.init, 'model.init');
  if (spec.encoder !== undefined) {
    const enc = checkObject(spec.encoder, 'model.encoder', 'a layer description or { type: "gru", … }');
    if (enc.type === 'gru') {
      checkKeys(enc, ['type', 'inputs', 'hidden', 'steps', 'reverse', 'readout'], 'model.encoder');
      checkWidth('model.encoder.inputs', enc.inputs);
      checkWidth('model.encoder.hidden', enc.hidden);
      if (!Number.isInteger(enc.steps) || (enc.steps as number) < 1 || (enc.steps as number) > MAX_SEQUENCE_STEPS)
        throw new ArgumentError('model.encoder.steps', `an integer in [1, ${MAX_SEQUENCE_STEPS}]`, enc.steps);
      if (enc.reverse !== undefined && typeof enc.reverse !== 'boolean')
        throw new ArgumentError('model.encoder.reverse', 'true or false', enc.reverse);
      checkLayerSpec(enc.readout, 'model.encoder.readout');
    } else checkLayerSpec(enc, 'model.encoder');
  }
  const blocks = spec.blocks;
  if (!Array.isArray(blocks) || blocks.length === 0 || blocks.length > MAX_BLOCKS)
    throw new ArgumentError('model.blocks', `an array of 1 to ${MAX_BLOCKS} block configurations`, blocks);
  blocks.forEach((b, i) => {
    checkObject(b, `model.blocks[${i}]`, 'a block configuration { dynamics | mlp, … }');
    try {
      checkConfig(b as NeuralOdeConfig);
    } catch (e) {
      throw e instanceof ArgumentError ? withPath(e, `model.blocks[${i}].`) : e;
    }
  });
  if (spec.head !== undefined) checkLayerSpec(spec.head, 'model.head');
  const typed = spec as unknown as ModelSpec;
  checkWidthsFit(typed);
  checkParameterBudget(modelParamShapes(typed).values(), 'model');
  return typed;
}

/** The same error (class, stack) with its argument and message under `prefix` (e.g. "model.blocks[0]."). */
function withPath(e: ArgumentError, prefix: string): ArgumentError {
  const moved = e as { argument: string; message: string };
  moved.message = prefix + e.message;
  moved.argument = prefix + e.argument;
  return e;
}

/** The state width of a block's dynamics (mlp: its first width; a description: its stated widths). */
function blockWidths(block: NeuralOdeConfig, i: number): number | null {
  if (block.mlp) return block.mlp.widths[0];
  const { inputs, outputs } = specWidths(block.dynamics!, `model.blocks[${i}].dynamics`);
  if (inputs !== null && outputs !== null && inputs !== outputs)
    throw new ArgumentError(
      `model.blocks[${i}].dynamics`,
      `a map of the state to dz/dt (inputs ${inputs} = outputs)`,
      outputs,
    );
  return inputs ?? outputs;
}

/** Encoder → blocks → head widths agree, checked on the description before anything is allocated. */
function checkWidthsFit(spec: ModelSpec): void {
  const widths = spec.blocks.map(blockWidths);
  const d = widths.find((w) => w !== null);
  if (d === undefined)
    throw new ArgumentError(
      'model.blocks[0].dynamics',
      'a description with at least one layer of stated width (the state size)',
      'activations only',
    );
  widths.forEach((w, i) => {
    if (w !== null && w !== d)
      throw new ArgumentError(`model.blocks[${i}].dynamics`, `a state of ${d} values like the first block's`, w);
  });
  if (spec.encoder) {
    let out: number | null;
    if (spec.encoder.type === 'gru') {
      const readout = specWidths(spec.encoder.readout, 'model.encoder.readout');
      if (readout.inputs !== null && readout.inputs !== spec.encoder.hidden)
        throw new ArgumentError(
          'model.encoder.readout.inputs',
          `${spec.encoder.hidden} (the GRU's hidden size)`,
          readout.inputs,
        );
      out = readout.outputs;
    } else out = specWidths(spec.encoder, 'model.encoder').outputs;
    if (out !== null && out !== d)
      throw new ArgumentError('model.encoder', `a layer returning the ODE state's ${d} values`, out);
  }
  if (spec.head) {
    const into = specWidths(spec.head, 'model.head').inputs;
    if (into !== null && into !== d)
      throw new ArgumentError('model.head', `a layer taking the ODE state's ${d} values`, into);
  }
}

/** Every parameter a (checked) description creates, by name, with its shape: known before allocating any. */
export function modelParamShapes(spec: ModelSpec): Map<string, [number, number]> {
  const shapes = new Map<string, [number, number]>();
  const add = (m: Map<string, [number, number]>) => m.forEach((v, k) => shapes.set(k, v));
  if (spec.encoder)
    add(
      spec.encoder.type === 'gru'
        ? gruEncoderParamShapes(spec.encoder, 'encoder')
        : paramShapes(spec.encoder, 'encoder'),
    );
  spec.blocks.forEach((b, i) => {
    if (b.dynamics) add(paramShapes(b.dynamics, `blocks.${i}`));
    else
      for (const { name, weight, bias } of parameterShapes(b.mlp!.widths, `blocks.${i}`)) {
        shapes.set(`${name}.weight`, weight);
        shapes.set(`${name}.bias`, [1, bias[0]]);
      }
  });
  if (spec.head) add(paramShapes(spec.head, 'head'));
  return shapes;
}

export interface ModelParts {
  encoder?: Encoder;
  blocks: NeuralOde[];
  head?: Layer;
}

export interface ModelObjectiveOptions {
  /** the data loss on the head's output (z(t1) without a head); default mseLoss */
  loss?: DataLoss;
  /** Rng for the blocks' noise (the Jacobian term's and the Hutchinson trace's ε) */
  rng?: Rng;
  gradient?: boolean;
  /** integrate the blocks' terms only in the backward replay (NeuralOde ForwardOptions.lazyTerms): regularizers are then {} */
  lazyTerms?: boolean;
  /** multiplies every block's regularisers' λ in this call (NeuralOde ObjectiveOptions.lambdaScale; default 1) */
  lambdaScale?: number;
  /** every block's error norm (NeuralOde ObjectiveOptions.norm; a pool's shared steps pass the batch's) */
  norm?: StateNorm;
}

export interface ModelObjectiveResult {
  /** data loss + Σ λ·regulariser over the blocks */
  loss: number;
  dataLoss: number;
  /** each block's integrated terms at its end time, by name (prefixed "b<i>." when there are several blocks) */
  regularizers: Record<string, number>;
  /** the head's output (z without a head): [batch, outputWidth], or [times, batch, outputWidth] from objectiveAt */
  output: Float64Array;
  /** Δlog p per example, summed over the blocks with a logDensity term */
  logDensity?: Float64Array;
  nfeForward: number;
  nfeBackward: number;
  /** the blocks' forward solves, added up (nfe, accepted and rejected steps) */
  forwardStats: SolverStats;
  /** per block */
  blocks: ForwardPass['result'][];
}

export interface ModelPredictOptions {
  /** solver settings for every block instead of their own */
  solver?: SolverConfig;
  /** output times of the last block (default: its t1 alone); the output is then [times, batch, outputWidth] */
  times?: ArrayLike<number>;
  /** every block's error norm (NeuralOde PredictOptions.norm) */
  norm?: StateNorm;
  /** let every block take the fused layer-table path where it applies (default true); `paths` says which each took */
  fastPath?: boolean;
}

export class Model {
  readonly encoder?: Encoder;
  readonly blocks: readonly NeuralOde[];
  readonly head?: Layer;

  /** how the encoder's and head's weights were first drawn (from the description; blocks record their own) */
  readonly init?: Initialiser;

  constructor(
    readonly rt: Runtime,
    parts: ModelParts,
    { init }: { init?: Initialiser } = {},
  ) {
    checkRuntime(rt, 'rt');
    if (init !== undefined) checkInitialiser(init);
    this.init = init;
    checkKeys(parts, ['encoder', 'blocks', 'head'], 'parts');
    const { encoder, blocks, head } = parts;
    if (encoder !== undefined) {
      if ('gru' in (encoder as object)) {
        if (typeof (encoder as GruEncoder).apply !== 'function')
          throw new ArgumentError('encoder', 'a layer or gruEncoder value', encoder);
      } else checkLayerValue(encoder, 'encoder');
      checkParamsOn(rt, encoder.params, 'encoder');
    }
    if (head !== undefined) {
      checkLayerValue(head, 'head');
      checkParamsOn(rt, head.params, 'head');
    }
    if (!Array.isArray(blocks) || blocks.length === 0)
      throw new ArgumentError('blocks', 'a non-empty array of NeuralOde blocks', blocks);
    blocks.forEach((b, i) => {
      if (!(b instanceof NeuralOde)) throw new ArgumentError(`blocks[${i}]`, 'a NeuralOde', b);
      if (b.rt !== rt)
        throw new ArgumentError(`blocks[${i}]`, "a NeuralOde on this model's runtime", 'one on another runtime');
      if (i > 0 && b.stateSize !== blocks[0].stateSize)
        throw new ArgumentError(`blocks[${i}]`, `a state of ${blocks[0].stateSize} values like blocks[0]`, b.stateSize);
    });
    const d = blocks[0].stateSize;
    if (encoder && encoder.outputs !== null && encoder.outputs !== d)
      throw new ArgumentError('encoder', `a layer returning the ODE state's ${d} values`, encoder.outputs);
    if (head && head.inputs !== null && head.inputs !== d)
      throw new ArgumentError('head', `a layer taking the ODE state's ${d} values`, head.inputs);
    this.encoder = encoder;
    this.blocks = blocks.slice();
    this.head = head;
    // One list for the optimiser: a parameter shared between parts would be counted (and stepped) twice.
    checkParameters(this.params);
  }

  /** A model with fresh weights drawn from `rng`: parameters named encoder.…, blocks.<i>.…, head.… */
  static create(rt: Runtime, value: ModelSpec, rng: Rng): Model {
    checkRuntime(rt, 'rt');
    checkRng(rng, 'rng');
    const spec = checkModelSpec(value);
    const init = spec.init ?? 'pytorch';
    let encoder: Encoder | undefined;
    if (spec.encoder) {
      const options = { rng, init, name: 'encoder' };
      encoder =
        spec.encoder.type === 'gru' ? gruEncoder(rt, spec.encoder, options) : createLayer(rt, spec.encoder, options);
    }
    // The paper's MLP keeps PyTorch's initialisation; described dynamics take the model's unless they name their own.
    const blocks = spec.blocks.map((b, i) =>
      NeuralOde.create(rt, b.mlp ? b : { ...b, init: b.init ?? init }, rng, { name: `blocks.${i}` }),
    );
    const head = spec.head ? createLayer(rt, spec.head, { rng, init, name: 'head' }) : undefined;
    return new Model(rt, { encoder, blocks, head }, { init });
  }

  /**
   * The description that rebuilds this model, or null when it cannot: a block's dynamics were written
   * as code, or the parts were built in code under other parameter names than a description gives
   * (encoder.…, blocks.<i>.…, head.…), so the rebuilt model would not take this one's weights.
   */
  get spec(): ModelSpec | null {
    if (this.blocks.some((b) => !b.config.dynamics && !b.config.mlp)) return null;
    const spec: ModelSpec = { blocks: this.blocks.map((b) => ({ ...b.config })) };
    if (this.init) spec.init = this.init;
    if (this.encoder) spec.encoder = this.encoder.spec;
    if (this.head) spec.head = this.head.spec;
    const implied = modelParamShapes(spec);
    const params = this.params;
    const same =
      implied.size === params.length &&
      params.every((p) => {
        const shape = implied.get(p.name);
        return shape !== undefined && shape[0] === p.value.rows && shape[1] === p.value.cols;
      });
    return same ? spec : null;
  }

  get params(): ParameterLike[] {
    return [...(this.encoder?.params ?? []), ...this.blocks.flatMap((b) => b.params), ...(this.head?.params ?? [])];
  }

  /** The ODE state's width. */
  get stateSize(): number {
    return this.blocks[0].stateSize;
  }

  /** Values per example the model takes. */
  get inputWidth(): number {
    return this.encoder?.inputs ?? this.stateSize;
  }

  /** Values per example the model returns. */
  get outputWidth(): number {
    return this.head?.outputs ?? this.stateSize;
  }

  /**
   * The whole model on a batch [batch, inputWidth], without regulariser states or gradients. `stats`
   * totals the blocks' solves (as NeuralOde.predict's, one object); `blockStats` holds each block's.
   */
  predict(
    x: Float64Array,
    options: ModelPredictOptions = {},
  ): { output: Float64Array; z1: Float64Array; stats: SolverStats; blockStats: SolverStats[]; paths: InferencePath[] } {
    checkKeys(options, ['solver', 'times', 'norm', 'fastPath'], '');
    if (options.solver !== undefined) checkSolverConfig(options.solver);
    const batch = this.batchOf(x);
    const { arena } = this.rt;
    return arena.scope(() => {
      const tape = new Tape(this.rt);
      let z = this.encode(tape, x, batch, false).value.toFloat64Array();
      const stats: SolverStats[] = [];
      const paths: InferencePath[] = [];
      let zs = z;
      this.blocks.forEach((block, i) => {
        const last = i === this.blocks.length - 1;
        const r = block.predict(z, {
          solver: options.solver,
          times: last ? options.times : undefined,
          fastPath: options.fastPath,
          ...(options.norm ? { norm: options.norm } : {}),
        });
        z = r.z1;
        zs = r.zs;
        stats.push(r.stats);
        paths.push(r.path);
      });
      const times =
        options.times === undefined ? [this.blocks[this.blocks.length - 1].config.t1] : Array.from(options.times);
      const output = this.decode(tape, zs, times, batch, false).output;
      return { output, z1: z, stats: totalStats(stats), blockStats: stats, paths };
    });
  }

  /**
   * The data loss of the model's output against `target` (the loss defines the target's shape; it also
   * receives Δlog p per example, summed over the blocks that integrate a logDensity term) plus every
   * block's λ-weighted terms; with `gradient` (default), every parameter's gradient is set.
   */
  objective(x: Float64Array, target: Float64Array, options: ModelObjectiveOptions = {}): ModelObjectiveResult {
    checkOptions(options, ['loss', 'rng', 'gradient', 'lazyTerms', 'lambdaScale', 'norm']);
    const batch = this.batchOf(x);
    const lossFn = options.loss ?? mseLoss;
    checkLoss(lossFn);
    lossFn.checkTarget(target, batch, this.outputWidth);
    return this.lossOver(x, batch, undefined, options, (output, logDensity) => {
      const value = lossFn.evaluate(this.rt, output, target, batch, logDensity);
      if (!(value.gradient instanceof Float64Array) || value.gradient.length !== output.length) {
        throw new ShapeError(
          `loss ${lossFn.name}: its gradient holds ${value.gradient?.length} values, the output holds ${output.length}`,
        );
      }
      return value;
    });
  }

  /**
   * A time series: the last block outputs z at every time of `times` (monotone within its [t0, t1]),
   * the head maps each, and `loss` (e.g. maskedMseLoss(target, mask)) sees the outputs as [times,
   * batch, outputWidth]; their cotangents enter the last block's backward pass at their times.
   */
  objectiveAt(
    x: Float64Array,
    times: ArrayLike<number>,
    loss: SeriesLoss,
    options: Omit<ModelObjectiveOptions, 'loss'> = {},
  ): ModelObjectiveResult {
    checkOptions(options, ['rng', 'gradient', 'lambdaScale', 'norm']);
    const batch = this.batchOf(x);
    if (times === null || typeof times !== 'object' || typeof times.length !== 'number')
      throw new ArgumentError('times', 'an array of output times', times);
    if (typeof loss !== 'function')
      throw new ArgumentError('loss', 'a function (outputs, shape) => { value, gradient }', loss);
    const shape = { times: times?.length, batch, d: this.outputWidth };
    return this.lossOver(x, batch, times, options, (outputs) => {
      const value = loss(outputs, shape);
      if (!(value?.gradient instanceof Float64Array) || value.gradient.length !== outputs.length) {
        throw new ShapeError(
          `loss: its gradient holds ${value?.gradient?.length} values, the outputs hold ${outputs.length} ([times, batch, outputWidth])`,
        );
      }
      return value;
    });
  }

  /** encoder → blocks (the last one to `times`) → head on every output row → loss → (gradient) back through all. */
  private lossOver(
    x: Float64Array,
    batch: number,
    times: ArrayLike<number> | undefined,
    options: Omit<ModelObjectiveOptions, 'loss'>,
    lossOf: (
      output: Float64Array,
      logDensity?: Float64Array,
    ) => { value: number; gradient: Float64Array; logDensityGradient?: Float64Array },
  ): ModelObjectiveResult {
    const wantGrad = options.gradient ?? true;
    const { arena } = this.rt;
    if (wantGrad) zeroGrads(this.params);
    return arena.scope(() => {
      const encoderTape = new Tape(this.rt);
      const z0 = this.encode(encoderTape, x, batch, wantGrad);
      let z = z0.value.toFloat64Array();
      const passes: ForwardPass[] = [];
      const last = this.blocks.length - 1;
      this.blocks.forEach((block, i) => {
        const pass = block.forward(z, {
          rng: options.rng,
          record: wantGrad,
          times: i === last ? times : undefined,
          lazyTerms: options.lazyTerms === true,
          ...(options.lambdaScale === undefined ? {} : { lambdaScale: options.lambdaScale }),
          ...(options.norm === undefined ? {} : { norm: options.norm }),
        });
        passes.push(pass);
        z = pass.result.z1;
      });
      // The head maps z at each output time (at that time): [times, batch, D] → [times, batch, outputWidth].
      const headTape = new Tape(this.rt);
      const decoded = this.decode(headTape, passes[last].result.zs, passes[last].times, batch, wantGrad);
      const { output } = decoded;
      const withDensity = passes.filter((p) => p.result.logDensity);
      let logDensity: Float64Array | undefined;
      if (withDensity.length > 0) {
        logDensity = new Float64Array(batch);
        for (const p of withDensity)
          p.result.logDensity!.forEach((v, b) => {
            logDensity![b] += v;
          });
      }
      const { value: dataLoss, gradient, logDensityGradient } = lossOf(output, logDensity);
      if (wantGrad) {
        checkFiniteGradient(gradient, 'loss');
        if (logDensityGradient) checkFiniteGradient(logDensityGradient, 'loss', 'log-density gradient');
      }
      if (
        logDensityGradient !== undefined &&
        (!(logDensityGradient instanceof Float64Array) || logDensityGradient.length !== (logDensity?.length ?? 0))
      ) {
        throw new ShapeError(
          `loss: its log-density gradient holds ${logDensityGradient?.length} values, expected ${logDensity?.length ?? 0} (one per example with a logDensity term, else none)`,
        );
      }
      if (wantGrad) {
        let zbar: Float64Array;
        if (this.head) {
          // One backward per time slice: parameters' gradients add up, each slice's z gets its own.
          const n = batch * this.outputWidth;
          zbar = new Float64Array(decoded.slices.length * batch * this.stateSize);
          decoded.slices.forEach(({ z, out }, m) => {
            headTape.backward(out, Tensor.from(arena, gradient.subarray(m * n, (m + 1) * n), batch, this.outputWidth));
            zbar.set(z.grad!.toFloat64Array(), m * batch * this.stateSize);
          });
        } else zbar = gradient;
        for (let i = last; i >= 0; i--)
          zbar = this.blocks[i].backward(passes[i], zbar, passes[i].result.logDensity ? logDensityGradient : undefined);
        if (this.encoder && z0.requiresGrad) encoderTape.backward(z0, Tensor.from(arena, zbar, batch, this.stateSize));
      }
      // After the backward passes: a block's step terms (errorEstimate, stiffness) are summed in its replay.
      const several = this.blocks.length > 1;
      const regularizers: Record<string, number> = {};
      let loss = dataLoss;
      passes.forEach((p, i) => {
        loss += p.result.loss;
        for (const [name, value] of Object.entries(p.result.regularizers))
          regularizers[several ? `b${i}.${name}` : name] = value;
      });
      const sum = (key: 'nfe' | 'acceptedSteps' | 'rejectedSteps' | 'nonFiniteRejections') =>
        passes.reduce((n, p) => n + p.result.forwardStats[key], 0);
      return {
        loss,
        dataLoss,
        regularizers,
        output,
        ...(logDensity ? { logDensity } : {}),
        nfeForward: passes.reduce((n, p) => n + p.result.nfeForward, 0),
        nfeBackward: passes.reduce((n, p) => n + p.result.nfeBackward, 0),
        forwardStats: {
          nfe: sum('nfe'),
          acceptedSteps: sum('acceptedSteps'),
          rejectedSteps: sum('rejectedSteps'),
          nonFiniteRejections: sum('nonFiniteRejections'),
          initialStep: passes[0].result.forwardStats.initialStep,
        },
        blocks: passes.map((p) => p.result),
      };
    });
  }

  /** x → z(t0) on the tape (x itself without an encoder). */
  private encode(tape: Tape, x: Float64Array, batch: number, grad: boolean): Var {
    const input = tape.constant(Tensor.from(this.rt.arena, x, batch, this.inputWidth));
    if (!this.encoder) return input;
    // An encoder that reads the time sees the first block's start time.
    const ops = tapeOps(tape, this.blocks[0].config.t0, { grad });
    const z0 = 'gru' in this.encoder ? this.encoder.apply(ops, input, tape) : this.encoder.apply(ops, input);
    if (z0.shape[0] !== batch || z0.shape[1] !== this.stateSize)
      throw new ShapeError(`encoder: returned [${z0.shape}], the ODE state is [${batch}, ${this.stateSize}]`);
    return z0;
  }

  /**
   * z at each output time ([times, batch, D]) → the head's output at that time, on the tape, one slice
   * per time (a head that reads the time sees each output's own); z itself without a head.
   */
  private decode(
    tape: Tape,
    zs: Float64Array,
    times: readonly number[],
    batch: number,
    grad: boolean,
  ): { output: Float64Array; slices: { z: Var; out: Var }[] } {
    if (!this.head) return { output: zs, slices: [] };
    const head = this.head;
    const bd = batch * this.stateSize;
    const slices = times.map((t, m) => {
      const slice = Tensor.from(this.rt.arena, zs.subarray(m * bd, (m + 1) * bd), batch, this.stateSize);
      const z = grad ? tape.variable(slice) : tape.constant(slice);
      return { z, out: head.apply(tapeOps(tape, t, { grad }), z) };
    });
    const n = batch * this.outputWidth;
    const output = new Float64Array(times.length * n);
    slices.forEach(({ out }, m) => output.set(out.value.toFloat64Array(), m * n));
    return { output, slices };
  }

  private batchOf(x: Float64Array): number {
    const w = this.inputWidth;
    if (!(x instanceof Float64Array) || x.length === 0 || x.length % w !== 0)
      throw new ShapeError(`x: expected a Float64Array of batch × ${w} values, got ${x?.length}`);
    checkBatchFits(this.rt.arena, x.length / w, w, 'x');
    for (let i = 0; i < x.length; i++)
      if (!Number.isFinite(x[i])) throw new ArgumentError(`x[${i}]`, 'a finite input', x[i]);
    return x.length / w;
  }
}

function checkOptions(options: ModelObjectiveOptions, keys: readonly string[]): void {
  checkKeys(options, keys, '');
  if (options.gradient !== undefined) checkBoolean(options.gradient, 'gradient');
  if ((options as ModelObjectiveOptions).lazyTerms !== undefined)
    checkBoolean((options as ModelObjectiveOptions).lazyTerms, 'lazyTerms');
  if (options.rng !== undefined) checkRng(options.rng, 'rng');
}
