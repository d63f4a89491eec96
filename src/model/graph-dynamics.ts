// The augmented dynamics (see augmented.ts), over src/dynamics' Dynamics and
// src/taylor's jet program, all as kernel calls on arena tensors. With R_K on, one solution jet gives
// f = z[1] (and the kinetic integrand ||z[1]||²) and z[K] together, and one reverse sweep over it
// takes the cotangents of all of them; without it, the plain graph program runs f and its VJP.
// The Jacobian term is an order-1 jet in z of its own. The replay's stages keep their programs' values
// (one program per slot, values in the caller's arena scope) and the VJP reverses them, so nothing is
// recomputed; `evaluate` keeps only the point, and the typed-array `vjp` recomputes from it.
// Arena safety: nothing is kept in the arena between calls (the first call may come from inside a
// caller's scope): ε lives in JS memory and is copied in when used, and every call's working values
// live in a scope of its own. odeint gets the ArenaDynamics form (tensors by offset; z and f are
// viewed in place in its y and dy), so no typed-array view is held across a call that may grow memory.
import type { Dynamics } from '../dynamics/dynamics.js';
import type { Ptr } from '../autodiff/op.js';
import type { ArenaDynamics } from '../ode/dynamics.js';
import type { Rng } from '../random.js';
import type { Runtime } from '../runtime/wasm.js';
import { Tensor } from '../runtime/tensor.js';
import type { AugmentedDynamics } from './augmented.js';
import { factorial, solutionJet, solutionJetVjp } from '../taylor/solution.js';
import { JetProgram } from '../taylor/jet-program.js';
import { Program } from '../autodiff/program.js';
import { regularizerTerms, type RegularizerConfig, type RegularizerTerm } from './regularizers.js';
import { checkRuntime } from '../runtime/check.js';

export class GraphAugmentedDynamics implements AugmentedDynamics {
  readonly d: number;
  readonly terms: RegularizerTerm[];
  readonly stateSize: number;
  nfe = 0;
  private readonly order: number | undefined;
  private readonly orderIndex: number;
  private readonly kineticIndex: number;
  private readonly jacobianIndex: number;
  /** the Jacobian term's ε for the current solve */
  private readonly eps: Float64Array;
  private readonly slots: { t: number; z: Float64Array }[] = [];
  /** per replay slot: the point and the program whose values its VJP reverses */
  private readonly stages: { t: number; z: Ptr; program: Program | JetProgram }[] = [];
  readonly odeFunction: ArenaDynamics;

  constructor(private readonly rt: Runtime, private readonly graph: Dynamics, readonly batch: number, regularizers: RegularizerConfig, withRegularizers = true) {
    checkRuntime(rt, 'rt');
    this.d = graph.stateSize;
    this.terms = withRegularizers ? regularizerTerms(regularizers) : [];
    this.order = withRegularizers ? regularizers.order : undefined;
    this.orderIndex = this.terms.findIndex((t) => t.name.startsWith('r'));
    this.kineticIndex = this.terms.findIndex((t) => t.name === 'kinetic');
    this.jacobianIndex = this.terms.findIndex((t) => t.name === 'jacobian');
    const bd = batch * this.d;
    this.stateSize = bd + this.terms.length;
    this.eps = new Float64Array(bd).fill(1);
    this.odeFunction = {
      evaluate: (t: number, y: Tensor, dy: Tensor): void => {
        this.nfe++;
        // z is y's first batch·D values and f goes straight into dy's.
        const values = this.integrands(t, this.zShaped(y.offset), this.zShaped(dy.offset));
        const dyData = dy.data; // fetched after every call that may have grown memory
        values.forEach((v, j) => { dyData[bd + j] = v; });
      },
    };
  }

  resampleNoise(rng: Rng): void {
    if (this.jacobianIndex < 0) return;
    for (let i = 0; i < this.eps.length; i++) this.eps[i] = rng.rademacher();
  }

  /** The [batch, D] values at ptr (the z part of an augmented state or cotangent) as a tensor. */
  private zShaped(ptr: Ptr): Tensor {
    return new Tensor(this.rt.arena, ptr, this.batch, this.d);
  }

  /** ε as a tensor in the current arena scope. */
  private noise(): Tensor {
    return Tensor.from(this.rt.arena, this.eps, this.batch, this.d);
  }

  /** f(t, z) into out; returns each term's integrand. */
  private integrands(t: number, z: Tensor, out: Tensor): number[] {
    const { graph, rt } = this;
    const bd = this.batch * this.d;
    const values = new Array<number>(this.terms.length).fill(0);
    if (this.orderIndex >= 0) {
      const K = this.order!;
      const prog = graph.jets(this.batch, K);
      rt.arena.scope(() => {
        solutionJet(prog, t, z.offset, K);
        rt.kernels.copy(out.offset, prog.state(1), bd);
        values[this.orderIndex] = (factorial(K) ** 2 * rt.kernels.sum_squares(prog.state(K), bd)) / bd;
      });
    } else {
      graph.f(t, z, out);
    }
    if (this.kineticIndex >= 0) values[this.kineticIndex] = rt.kernels.sum_squares(out.offset, bd) / bd;
    if (this.jacobianIndex >= 0) values[this.jacobianIndex] = rt.arena.scope(() => graph.jacobianFrobenius(t, z, this.noise()).value) / bd;
    return values;
  }

  evaluate(t: number, y: Float64Array, dy: Float64Array, slot: number): void {
    this.nfe++;
    const bd = this.batch * this.d;
    this.remember(slot, t, y);
    const { arena } = this.rt;
    arena.scope(() => {
      const out = Tensor.empty(arena, this.batch, this.d);
      const values = this.integrands(t, Tensor.from(arena, y.subarray(0, bd), this.batch, this.d), out);
      dy.set(out.data, 0);
      values.forEach((v, j) => { dy[bd + j] = v; });
    });
  }

  /**
   * The stage's program, kept for its VJP: with R_K the solution jet (f = z[1], so no separate f pass),
   * else the plain program's forward values. One program per slot, since a step's stages are all
   * evaluated before any is reversed; their values live in the caller's arena scope.
   */
  replayStage(t: number, y: Ptr, dy: Ptr, slot: number): void {
    this.nfe++;
    this.forwardAt(t, y, slot);
    const k = this.rt.kernels;
    const bd = this.batch * this.d;
    k.copy(dy, this.stageOutput(slot), bd);
    k.fill(dy + 8 * bd, 0, this.terms.length);
  }

  private forwardAt(t: number, y: Ptr, slot: number): void {
    const { rt, graph } = this;
    const bd = this.batch * this.d;
    while (this.stages.length <= slot) {
      this.stages.push({
        t: 0,
        z: 0,
        program: this.order !== undefined ? new JetProgram(rt, graph.graph, this.batch, this.order) : new Program(rt, graph.graph, this.batch),
      });
    }
    const stage = this.stages[slot];
    stage.t = t;
    // The plain program reads z again in its backward pass, so the stage keeps its own copy.
    stage.z = rt.arena.alloc(bd);
    rt.kernels.copy(stage.z, y, bd);
    if (stage.program instanceof JetProgram) solutionJet(stage.program, t, stage.z, this.order!);
    else stage.program.forward(t, stage.z);
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
      const zT = arena.alloc(z.length), dyBarT = arena.alloc(this.stateSize), yBarT = arena.alloc(this.stateSize);
      arena.f64.set(z, zT / 8);
      arena.f64.set(dyBar, dyBarT / 8);
      arena.f64.set(yBar, yBarT / 8);
      this.forwardAt(t, zT, slot);
      this.replayVjp(slot, dyBarT, yBarT);
      yBar.set(arena.f64.subarray(yBarT / 8, yBarT / 8 + this.stateSize));
    });
  }

  /** Reverses the slot's kept program (same arena scope as its replayStage). */
  replayVjp(slot: number, dyBarPtr: Ptr, yBarPtr: Ptr): void {
    const { graph, rt } = this;
    const k = rt.kernels;
    const bd = this.batch * this.d;
    const { t, z: zStage, program } = this.stages[slot];
    const termBar = (index: number) => rt.arena.f64[dyBarPtr / 8 + bd + index];
    // The cotangents are needed only here: freed on return, above the stages' kept values.
    const mark = rt.arena.mark();
    if (program instanceof JetProgram) {
      const K = this.order!;
      const wK = (2 * factorial(K) ** 2 * termBar(this.orderIndex)) / bd;
      const wKin = this.kineticIndex >= 0 ? (2 * termBar(this.kineticIndex)) / bd : 0;
      program.beginReverse();
      // f = z[1]: its cotangent, plus the kinetic term's; then R_K's on z[K] (K may be 1 too).
      k.axpy(program.stateCotangent(1), 1, dyBarPtr, bd);
      if (wKin !== 0) k.axpy(program.stateCotangent(1), wKin, program.state(1), bd);
      k.axpy(program.stateCotangent(K), wK, program.state(K), bd);
      solutionJetVjp(program, K);
      k.axpy(yBarPtr, 1, program.stateCotangent(0), bd);
    } else {
      // Σ||f||²'s cotangent joins f's: one reverse sweep for both.
      const gOut = rt.arena.alloc(bd);
      k.copy(gOut, dyBarPtr, bd);
      if (this.kineticIndex >= 0) k.axpy(gOut, (2 * termBar(this.kineticIndex)) / bd, program.output, bd);
      program.backward(gOut, yBarPtr);
    }
    if (this.jacobianIndex >= 0) {
      // At the stage's own z, adding ∂/∂z straight into ȳ's z part.
      graph.jacobianFrobenius(t, this.zShaped(zStage), this.noise(), { weight: termBar(this.jacobianIndex) / bd, gz: this.zShaped(yBarPtr) });
    }
    rt.arena.reset(mark);
  }
}
