// The augmented dynamics (see augmented.ts), over src/nn's Dynamics (the vector field) and src/taylor's
// jet program, all as kernel calls on arena tensors. The regularisers' integrands are integrands.ts'
// c·Σx² (their entries in kinds.ts), read from the programs this runs anyway: with R_K on, one solution
// jet gives f = z[1] (the kinetic term's x) and z[K] together, and one reverse sweep over it takes the
// cotangents of all of them; without it, the plain graph program runs f and its VJP. The Jacobian term
// is an order-1 jet in z of its own; the log-density's trace is trace.ts's jets.
// The replay's stages keep their programs' values (one program per slot, values in the caller's arena
// scope) and the VJP reverses them, so nothing is recomputed (except the Jacobian term's jet, which
// its VJP recomputes); `evaluate` keeps only the point, and the typed-array `vjp` recomputes from it.
// Arena safety: nothing is kept in the arena between calls (the first call may come from inside a
// caller's scope): noise lives in JS memory and is copied in when used, and every call's working values
// live in a scope of its own. odeint gets the ArenaDynamics form (tensors by offset; z and f are
// viewed in place in its y and dy), so no typed-array view is held across a call that may grow memory.
import type { Dynamics } from '../nn/vector-field.js';
import type { Ptr } from '../autodiff/op.js';
import type { ArenaDynamics } from '../ode/dynamics.js';
import { ArgumentError } from '../errors.js';
import type { Rng } from '../random.js';
import type { Runtime } from '../runtime/wasm.js';
import { Tensor } from '../runtime/tensor.js';
import type { AugmentedDynamics, StateLayout } from './augmented.js';
import { solutionJet, solutionJetVjp } from '../taylor/solution.js';
import { JetProgram } from '../taylor/jet-program.js';
import { Program } from '../autodiff/program.js';
import { resolveTerms, type RegularizerConfig } from './regularizers.js';
import {
  termRole,
  weightedTerm,
  type NoiseKind,
  type RegulariserTermConfig,
  type TermConfig,
  type TraceEstimatorKind,
  type WeightedTerm,
} from './terms.js';
import { TERM_KINDS } from './kinds.js';
import { squaresCotangentScale, squaresValue, type GradientRequest, type RegulariserResult } from './integrands.js';
import { NegativeTrace } from './trace.js';

interface Stage {
  t: number;
  z: Ptr;
  program: Program | JetProgram;
  trace: NegativeTrace | null;
}
import { checkRuntime } from '../runtime/check.js';

const EMPTY = new Float64Array(0);

export class GraphAugmentedDynamics implements AugmentedDynamics {
  readonly d: number;
  readonly terms: WeightedTerm[];
  readonly layout: StateLayout;
  readonly stateSize: number;
  readonly direction: 1 | -1;
  nfe = 0;
  private readonly order: number | undefined;
  /** R_K's c = (K!)² */
  private readonly taylorC: number;
  private readonly orderIndex: number;
  private readonly kineticIndex: number;
  private readonly jacobianIndex: number;
  private readonly jacobianTerm: Extract<TermConfig, { kind: 'jacobianFrobenius' }> | undefined;
  private readonly jacobianNoise: NoiseKind;
  private readonly logDensity: { estimator: TraceEstimatorKind; noise: NoiseKind } | null;
  /** the Jacobian term's ε and the Hutchinson trace's ε for the current solve */
  private readonly eps: Float64Array;
  private readonly traceEps: Float64Array;
  /** the log-density integrand outside the replay (values not kept past the call) */
  private readonly trace: NegativeTrace | null;
  private readonly slots: { t: number; z: Float64Array }[] = [];
  /** per replay slot: the point and the programs whose values its VJP reverses */
  private readonly stages: Stage[] = [];
  readonly odeFunction: ArenaDynamics;

  /**
   * `terms`: a list (terms.ts) or the `{ order, lambda, kinetic, jacobian }` shorthand; `withTerms =
   * false` integrates z alone; `direction` = sign(t1 − t0) of the solves it will serve.
   */
  constructor(
    private readonly rt: Runtime,
    private readonly graph: Dynamics,
    readonly batch: number,
    terms: RegularizerConfig | readonly TermConfig[],
    withTerms = true,
    direction: 1 | -1 = 1,
  ) {
    if (direction !== 1 && direction !== -1) throw new ArgumentError('direction', 'sign(t1 − t0): 1 or −1', direction);
    this.direction = direction;
    checkRuntime(rt, 'rt');
    this.d = graph.stateSize;
    let list = resolveTerms(terms);
    if (!withTerms) list = [];
    const regularizers = list.filter((t): t is RegulariserTermConfig => termRole(t) === 'regulariser');
    this.terms = regularizers.map(weightedTerm);
    const taylor = regularizers.find((t) => t.kind === 'taylor');
    this.order = taylor?.kind === 'taylor' ? taylor.order : undefined;
    this.taylorC = taylor?.kind === 'taylor' ? TERM_KINDS.taylor.integrand!.coefficient(taylor) : 0;
    this.orderIndex = regularizers.findIndex((t) => t.kind === 'taylor');
    this.kineticIndex = regularizers.findIndex((t) => t.kind === 'kinetic');
    this.jacobianIndex = regularizers.findIndex((t) => t.kind === 'jacobianFrobenius');
    const jacobian = regularizers[this.jacobianIndex];
    this.jacobianTerm = jacobian?.kind === 'jacobianFrobenius' ? jacobian : undefined;
    this.jacobianNoise = this.jacobianTerm?.noise ?? 'rademacher';
    const ld = list.find((t) => t.kind === 'logDensity');
    this.logDensity = ld?.kind === 'logDensity' ? { estimator: ld.estimator, noise: ld.noise ?? 'rademacher' } : null;
    const bd = batch * this.d;
    const ldCount = this.logDensity ? batch : 0;
    this.layout = {
      z: { offset: 0, count: bd },
      logDensity: { offset: bd, count: ldCount },
      terms: { offset: bd + ldCount, count: this.terms.length },
    };
    this.stateSize = bd + ldCount + this.terms.length;
    this.eps = new Float64Array(bd).fill(1);
    this.traceEps = new Float64Array(bd).fill(1);
    this.trace = this.logDensity ? new NegativeTrace(rt, graph.graph, batch, this.logDensity.estimator) : null;
    this.odeFunction = {
      evaluate: (t: number, y: Tensor, dy: Tensor): void => {
        this.nfe++;
        // z is y's first batch·D values and f goes straight into dy's; the integrands follow it.
        this.integrands(t, y.offset, dy.offset);
      },
    };
  }

  /** The current solve's noise (the Jacobian term's and the Hutchinson trace's ε), copied. */
  saveNoise(): Float64Array[] {
    // Only the noise some term draws: copying the unused buffers would cost every training step 2·batch·D values.
    return [
      this.jacobianIndex >= 0 ? this.eps.slice() : EMPTY,
      this.logDensity?.estimator === 'hutchinson' ? this.traceEps.slice() : EMPTY,
    ];
  }

  /** Puts back noise saved by saveNoise (a backward pass must see its own forward's ε). */
  restoreNoise(saved: readonly Float64Array[]): void {
    if (saved[0].length > 0) this.eps.set(saved[0]);
    if (saved[1].length > 0) this.traceEps.set(saved[1]);
  }

  resampleNoise(rng: Rng): void {
    const draw = (kind: NoiseKind) => (kind === 'gaussian' ? () => rng.normal() : () => rng.rademacher());
    // The Jacobian term's draws come first (as they did before the log-density term existed).
    if (this.jacobianIndex >= 0) rng.fill(this.eps, draw(this.jacobianNoise));
    if (this.logDensity?.estimator === 'hutchinson') rng.fill(this.traceEps, draw(this.logDensity.noise));
  }

  /** The [batch, D] values at ptr (the z part of an augmented state or cotangent) as a tensor. */
  private zShaped(ptr: Ptr): Tensor {
    return new Tensor(this.rt.arena, ptr, this.batch, this.d);
  }

  /** Noise as a tensor in the current arena scope. */
  private noise(values: Float64Array): Tensor {
    return Tensor.from(this.rt.arena, values, this.batch, this.d);
  }

  /** The Hutchinson ε in the current arena scope (0: the exact trace takes none). */
  private traceNoise(): Ptr {
    return this.logDensity?.estimator === 'hutchinson' ? this.noise(this.traceEps).offset : 0;
  }

  /** The Jacobian term's c·Σ(∂f/∂z·ε)² at (t, z) with this solve's ε (and its gradient if asked), in the caller's scope. */
  private jacobianAt(t: number, z: Ptr, grad?: GradientRequest): RegulariserResult {
    const term = this.jacobianTerm!;
    return TERM_KINDS.jacobianFrobenius.integrand!.evaluate(
      this.graph,
      t,
      this.zShaped(z),
      term,
      this.noise(this.eps),
      grad,
    );
  }

  /** dy = F(t, y) on arena buffers of stateSize values: f, then Δlog p's and the regularisers' integrands. */
  private integrands(t: number, y: Ptr, dy: Ptr): void {
    const { graph, rt, layout } = this;
    const bd = this.batch * this.d;
    let taylorValue = 0;
    if (this.orderIndex >= 0) {
      const K = this.order!;
      const prog = graph.jets(this.batch, K);
      rt.arena.scope(() => {
        solutionJet(prog, t, y, K);
        rt.kernels.copy(dy, prog.state(1), bd);
        taylorValue = this.taylorIntegrand(prog);
      });
    } else {
      graph.f(t, this.zShaped(y), this.zShaped(dy));
    }
    if (this.trace) {
      const trace = this.trace;
      rt.arena.scope(() =>
        trace.forward(t, y, this.traceNoise(), dy + rt.kernels.valueBytes * layout.logDensity.offset),
      );
    }
    this.writeTermIntegrands(t, y, dy, taylorValue);
  }

  /** R_K's integrand (K!)²·Σ z[K]² / (batch·D) from a solution jet. */
  private taylorIntegrand(prog: JetProgram): number {
    const bd = this.batch * this.d;
    return squaresValue(this.rt, this.taylorC, prog.state(this.order!), bd) / bd;
  }

  /** The regularisers' integrands into dy's terms part, given f in dy's z part and R_K's (0 without it). */
  private writeTermIntegrands(t: number, z: Ptr, dy: Ptr, taylorValue: number): void {
    const { rt, layout } = this;
    const bd = this.batch * this.d;
    const values = new Array<number>(this.terms.length).fill(0);
    if (this.orderIndex >= 0) values[this.orderIndex] = taylorValue;
    if (this.kineticIndex >= 0) values[this.kineticIndex] = squaresValue(rt, 1, dy, bd) / bd;
    if (this.jacobianIndex >= 0) values[this.jacobianIndex] = rt.arena.scope(() => this.jacobianAt(t, z).value) / bd;
    const mem = rt.arena.values; // fetched after every call that may have grown memory
    const at = dy / rt.kernels.valueBytes + layout.terms.offset;
    values.forEach((v, j) => {
      mem[at + j] = this.direction * v;
    });
  }

  evaluate(t: number, y: Float64Array, dy: Float64Array, slot: number): void {
    this.nfe++;
    this.remember(slot, t, y);
    const { arena } = this.rt;
    arena.scope(() => {
      const yT = arena.alloc(this.stateSize),
        dyT = arena.alloc(this.stateSize);
      arena.write(yT, y.subarray(0, this.stateSize));
      this.integrands(t, yT, dyT);
      dy.set(arena.view(dyT, this.stateSize));
    });
  }

  /**
   * The stage's programs, kept for its VJP: with R_K the solution jet (f = z[1], so no separate f pass),
   * else the plain program's forward values; and the log-density's trace jets. One set per slot, since a
   * step's stages are all evaluated before any is reversed; their values live in the caller's arena scope.
   */
  replayStage(t: number, y: Ptr, dy: Ptr, slot: number): void {
    this.nfe++;
    this.forwardAt(t, y, slot);
    const k = this.rt.kernels;
    const bd = this.batch * this.d;
    k.copy(dy, this.stageOutput(slot), bd);
    k.fill(dy + k.valueBytes * bd, 0, this.stateSize - bd);
  }

  /**
   * The whole dy = F(t, y) (integrals' parts included), keeping the stage's programs as replayStage
   * does, for a forward solve that stores its stages (gradient 'backprop'): the same values as
   * `odeFunction` computes, and the same kept values as a replay of this stage would keep.
   */
  recordStage(t: number, y: Ptr, dy: Ptr, slot: number): void {
    this.nfe++;
    const bd = this.batch * this.d;
    this.forwardAt(t, y, slot, this.trace ? dy + this.rt.kernels.valueBytes * this.layout.logDensity.offset : 0);
    const { program, z } = this.stages[slot];
    this.rt.kernels.copy(dy, this.stageOutput(slot), bd);
    this.writeTermIntegrands(t, z, dy, program instanceof JetProgram ? this.taylorIntegrand(program) : 0);
  }

  /** dy = the z part of slot's kept F (the integrals' parts zeroed, as replayStage leaves them). */
  storedOutput(slot: number, dy: Ptr): void {
    const k = this.rt.kernels;
    const bd = this.batch * this.d;
    k.copy(dy, this.stageOutput(slot), bd);
    k.fill(dy + k.valueBytes * bd, 0, this.stateSize - bd);
  }

  /** `traceOut`: where the log-density integrand goes (0: a scratch value, the replay does not read it). */
  private forwardAt(t: number, y: Ptr, slot: number, traceOut: Ptr = 0): void {
    const { rt, graph } = this;
    const bd = this.batch * this.d;
    while (this.stages.length <= slot) {
      this.stages.push({
        t: 0,
        z: 0,
        program:
          this.order !== undefined
            ? new JetProgram(rt, graph.graph, this.batch, this.order)
            : new Program(rt, graph.graph, this.batch),
        trace: this.logDensity ? new NegativeTrace(rt, graph.graph, this.batch, this.logDensity.estimator) : null,
      });
    }
    const stage = this.stages[slot];
    stage.t = t;
    // The plain program reads z again in its backward pass, so the stage keeps its own copy.
    stage.z = rt.arena.alloc(bd);
    rt.kernels.copy(stage.z, y, bd);
    if (stage.program instanceof JetProgram) solutionJet(stage.program, t, stage.z, this.order!);
    else stage.program.forward(t, stage.z);
    // Its values are kept for the VJP; the integrand itself is not needed (the replay zeroes it).
    if (stage.trace) stage.trace.forward(t, stage.z, this.traceNoise(), traceOut || rt.arena.alloc(this.batch));
  }

  private stageOutput(slot: number): Ptr {
    const { program } = this.stages[slot];
    return program instanceof JetProgram ? program.state(1) : program.output;
  }

  private remember(slot: number, t: number, y: Float64Array): void {
    const bd = this.batch * this.d;
    while (this.slots.length <= slot) this.slots.push({ t: 0, z: new Float64Array(bd) });
    this.slots[slot].t = t;
    this.slots[slot].z.set(y.subarray(0, bd));
  }

  /** The VJP at the point of the latest `evaluate` with this slot (recomputing its forward pass). */
  vjp(slot: number, dyBar: Float64Array, yBar: Float64Array): void {
    const { arena } = this.rt;
    const { t, z } = this.slots[slot];
    arena.scope(() => {
      const zT = arena.alloc(z.length),
        dyBarT = arena.alloc(this.stateSize),
        yBarT = arena.alloc(this.stateSize);
      arena.write(zT, z);
      arena.write(dyBarT, dyBar);
      arena.write(yBarT, yBar);
      this.forwardAt(t, zT, slot);
      this.replayVjp(slot, dyBarT, yBarT);
      yBar.set(arena.view(yBarT, this.stateSize));
    });
  }

  /** Reverses the slot's kept programs (same arena scope as its replayStage). */
  replayVjp(slot: number, dyBarPtr: Ptr, yBarPtr: Ptr): void {
    const { rt, layout } = this;
    const k = rt.kernels;
    const bd = this.batch * this.d;
    const { t, z: zStage, program, trace } = this.stages[slot];
    // A regulariser's integrand carries the direction's sign, so its weight does too.
    const termBar = (index: number) =>
      this.direction * rt.arena.values[dyBarPtr / k.valueBytes + layout.terms.offset + index];
    // The cotangents are needed only here: freed on return, above the stages' kept values.
    const mark = rt.arena.mark();
    if (program instanceof JetProgram) {
      const K = this.order!;
      const wK = squaresCotangentScale(this.taylorC, termBar(this.orderIndex), bd);
      const wKin = this.kineticIndex >= 0 ? squaresCotangentScale(1, termBar(this.kineticIndex), bd) : 0;
      program.beginReverse();
      // f = z[1]: its cotangent, plus the kinetic term's; then R_K's on z[K] (K may be 1 too).
      k.axpy(program.stateCotangent(1), 1, dyBarPtr, bd);
      if (wKin !== 0) k.axpy(program.stateCotangent(1), wKin, program.state(1), bd);
      k.axpy(program.stateCotangent(K), wK, program.state(K), bd);
      solutionJetVjp(program, K);
      k.axpy(yBarPtr, 1, program.stateCotangent(0), bd);
    } else if (this.kineticIndex < 0) {
      // f's cotangent is the z part of k̄ as it stands (backward only reads it).
      program.backward(dyBarPtr, yBarPtr);
    } else {
      // Σ||f||²'s cotangent joins f's: one reverse sweep for both.
      const gOut = rt.arena.alloc(bd);
      k.copy(gOut, dyBarPtr, bd);
      if (this.kineticIndex >= 0)
        k.axpy(gOut, squaresCotangentScale(1, termBar(this.kineticIndex), bd), program.output, bd);
      program.backward(gOut, yBarPtr);
    }
    if (this.jacobianIndex >= 0) {
      // At the stage's own z, adding ∂/∂z straight into ȳ's z part.
      this.jacobianAt(t, zStage, { weight: termBar(this.jacobianIndex) / bd, gz: this.zShaped(yBarPtr) });
    }
    // Δlog p's per-example cotangents weight its integrands (no sign: it is not a |dt| integral).
    if (trace) trace.vjp(dyBarPtr + k.valueBytes * layout.logDensity.offset, yBarPtr);
    rt.arena.reset(mark);
  }
}
