// The driver: integrates dy/dt = f(t, y) from ts[0] to the last of ts, stepping adaptively (error
// control + step-size controller) or on a fixed grid, writing the state at every requested time by
// dense output (requested times never shorten a step). All scratch lives in one arena scope, freed on
// return; results are copied out as Float64Arrays.
// (the shared runtime only, never the embedded kernels: the public odeint in odeint.ts creates one on
// demand; bundles that pass their own runtime, such as taynode/infer, stay free of the wasm bytes)
import { sharedRuntime } from '../runtime/shared.js';
import { Evaluator, type Dynamics } from './dynamics.js';
import { DenseOutput } from './dense-output.js';
import { MaxStepsError, NonFiniteError, OverflowError, StepSizeError } from './errors.js';
import { initialStepSize } from './initial-step.js';
import { readTimes, resolveOptions, type ResolvedOptions, type SolveOptions } from './options.js';
import { assertFiniteState, readInitialState, type StateInput } from './state.js';
import { emptyStats, type AcceptedSteps, type SolverStats } from './stats.js';
import { RkStepper } from './stepper.js';
import type { MethodName } from './tableaus.js';
import { STEP_END } from './recorder.js';
import { ArgumentError } from '../errors.js';
import { checkBatchFits } from '../runtime/batch-fits.js';

export interface OdeSolution {
  method: MethodName;
  /** the requested times */
  ts: Float64Array;
  /** the state at each requested time (rows·cols values, batch-major) */
  ys: Float64Array[];
  /** [rows, cols] of every state */
  shape: [number, number];
  stats: SolverStats;
  /** accepted steps (t, h, start state), when `recordSteps: true` */
  steps?: AcceptedSteps;
}

/**
 * Solves dy/dt = f(t, y), y(ts[0]) = y0, returning y at every time of `ts` (strictly increasing or
 * decreasing). y0 is one state (a flat array) or a batch ([rows, cols]: a Tensor or { data, rows, cols });
 * one step size serves the whole batch and the error norm runs over the whole state, as in torchdiffeq
 * (or over its first `errorComponents` values).
 */
export function odeint(f: Dynamics, y0: StateInput, ts: ArrayLike<number>, options: SolveOptions = {}): OdeSolution {
  if (typeof f !== 'function' && !(typeof f === 'object' && f !== null && typeof f.evaluate === 'function')) {
    throw new ArgumentError('f', 'a function (t, y, dy) => void or an object with evaluate(t, y, dy)', f);
  }
  const state = readInitialState(y0);
  const n = state.rows * state.cols;
  const times = readTimes(ts);
  const opts = resolveOptions(options, n, times);
  const rt = options.runtime ?? sharedRuntime();
  if (!rt)
    throw new ArgumentError(
      'options.runtime',
      'a Runtime (none was given and no shared runtime is set up: call init() or initSync() first)',
    );
  const { arena, kernels } = rt;
  checkBatchFits(arena, state.rows, state.cols, 'y0');
  assertFiniteState(state.values());

  return arena.scope(() => {
    const stepper = new RkStepper(kernels, arena, opts.tableau, n);
    const dense = new DenseOutput(kernels, arena, opts.tableau, n);
    const next = dense.needsNext ? arena.alloc(n) : 0;
    const atolVector = opts.atolVector ? arena.alloc(n) : 0;
    // An f32 runtime rounds the state and the atol vector here.
    if (opts.atolVector) arena.write(atolVector, opts.atolVector);
    arena.write(stepper.y0, state.values());
    // y0 was checked finite: an infinite value now is one the runtime's precision could not hold.
    if (kernels.all_finite(stepper.y0, n) !== 1) {
      throw new OverflowError(
        'initial-state',
        `y0 holds a value beyond the runtime's ${rt.dtype} range (stored as infinite)`,
        times[0],
        0,
        emptyStats(),
      );
    }
    const run = new SolveRun(
      opts,
      stepper,
      dense,
      new Evaluator(f, arena, state.rows, state.cols, opts.recorder),
      times,
      next,
      atolVector,
    );
    run.integrate();
    const result: OdeSolution = {
      method: opts.method,
      ts: times,
      ys: run.outputs,
      shape: [state.rows, state.cols],
      stats: run.snapshot(),
    };
    if (opts.recordSteps) result.steps = run.recorded();
    return result;
  });
}

class SolveRun {
  readonly outputs: Float64Array[] = [];
  private readonly stats = emptyStats();
  private readonly direction: number;
  private readonly tEnd: number;
  private attempts = 0;
  private nextOutput = 1;
  private readonly stepT: number[] = [];
  private readonly stepH: number[] = [];
  private readonly stepY: Float64Array[] = [];

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly stepper: RkStepper,
    private readonly dense: DenseOutput,
    private readonly f: Evaluator,
    private readonly ts: Float64Array,
    private readonly next: number,
    private readonly atolVector: number,
  ) {
    this.tEnd = ts[ts.length - 1];
    this.direction = ts.length > 1 ? Math.sign(this.tEnd - ts[0]) : 1;
  }

  snapshot(): SolverStats {
    return { ...this.stats, nfe: this.f.nfe };
  }

  recorded(): AcceptedSteps {
    return { t: Float64Array.from(this.stepT), h: Float64Array.from(this.stepH), y: this.stepY, tEnd: this.tEnd };
  }

  integrate(): void {
    const { stepper } = this;
    this.outputs.push(this.copyOut(stepper.y0));
    if (this.ts.length === 1) return;
    const t = this.ts[0];
    this.f.call(t, stepper.y0, stepper.k[0], 0);
    if (!this.finite(stepper.k[0])) {
      throw new NonFiniteError(`f(t0, y0) is not finite`, t, 0, this.snapshot());
    }
    if (this.opts.grid) this.integrateGrid(this.opts.grid);
    else this.integrateAdaptive(t);
  }

  private integrateAdaptive(t: number): void {
    const { stepper, opts, direction, tEnd } = this;
    const norm = opts.norm({
      kernels: stepper.kernels,
      arena: stepper.arena,
      atol: opts.atol,
      atolVector: this.atolVector,
      rtol: opts.rtol,
      components: opts.errorComponents,
      n: stepper.n,
    });
    const magnitude =
      opts.firstStep ??
      initialStepSize(stepper.kernels, stepper.arena, this.f, {
        t0: t,
        y0: stepper.y0,
        f0: stepper.k[0],
        scratchY: stepper.stageY,
        scratchF: stepper.k[Math.min(1, stepper.k.length - 1)],
        n: stepper.n,
        normComponents: opts.errorComponents,
        order: opts.tableau.order,
        direction,
        atol: opts.atol,
        atolVector: this.atolVector,
        rtol: opts.rtol,
        maxStep: opts.maxStep,
        norm: (v: number) => norm(v, stepper.y0, stepper.y0),
      });
    if (!(magnitude > 0 && Number.isFinite(magnitude))) {
      throw new OverflowError(
        'initial-step',
        `the initial step size is ${magnitude}: the error norm of y0 or f(t0, y0) overflowed (rtol = ${opts.rtol}, atol = ${opts.atolVector ? 'per component' : opts.atol}: tolerances too small for the state's magnitude)`,
        t,
        0,
        this.snapshot(),
      );
    }
    let h = direction * Math.min(magnitude, opts.maxStep);
    this.stats.initialStep = h;
    const control = opts.controller.start(
      Math.min(opts.tableau.order, opts.tableau.embeddedOrder ?? opts.tableau.order),
    );
    let k1Valid = true;
    // why the last attempt was rejected as non-finite: its trial state, or only its error ratio (overflow)
    let lastNonFinite: false | 'state' | 'ratio' = false;
    while (t !== tEnd) {
      // Land exactly on the end time; a step within a hair of it is stretched rather than leaving a sliver.
      const remaining = tEnd - t;
      let last = false;
      if (Math.abs(h) >= Math.abs(remaining) * (1 - 1e-12)) {
        h = remaining;
        last = true;
      }
      this.checkStep(t, h, last, lastNonFinite);
      if (!k1Valid) {
        this.f.call(t, stepper.y0, stepper.k[0], 0);
        k1Valid = true;
      }
      stepper.attempt(this.f, t, h);
      this.attempts++;
      const ratio = norm(stepper.err, stepper.y0, stepper.y1);
      const decision = control.adapt(Math.abs(h), ratio);
      if (!(decision.next > 0)) {
        // A user controller's NaN or negative step would otherwise spin until maxSteps.
        throw new ArgumentError('controller', 'adapt() to propose a positive next step', decision.next);
      }
      if (decision.accept) {
        const t1 = last ? tEnd : t + h;
        k1Valid = this.accept(t, t1, h);
        t = t1;
        lastNonFinite = false;
      } else {
        this.stats.rejectedSteps++;
        this.opts.recorder?.rejected();
        lastNonFinite = Number.isFinite(ratio) ? false : this.finite(stepper.y1) ? 'ratio' : 'state';
        if (lastNonFinite) this.stats.nonFiniteRejections++;
      }
      h = direction * Math.min(decision.next, opts.maxStep);
    }
  }

  private integrateGrid(grid: Float64Array): void {
    const { stepper } = this;
    let k1Valid = true;
    for (let i = 0; i + 1 < grid.length; i++) {
      const t = grid[i];
      const h = grid[i + 1] - t;
      this.checkMaxSteps(t);
      if (!k1Valid) this.f.call(t, stepper.y0, stepper.k[0], 0);
      stepper.attempt(this.f, t, h);
      this.attempts++;
      if (!this.finite(stepper.y1)) {
        throw new NonFiniteError(
          `the state became non-finite on a fixed step of size ${h}`,
          t,
          this.attempts,
          this.snapshot(),
        );
      }
      k1Valid = this.accept(t, grid[i + 1], h);
    }
  }

  private checkStep(t: number, h: number, last: boolean, lastNonFinite: false | 'state' | 'ratio'): void {
    const { opts } = this;
    this.checkMaxSteps(t);
    const underflow = t + h === t || Math.abs(h) <= 4 * Number.EPSILON * Math.abs(t);
    const belowMin = !last && Math.abs(h) < opts.minStep;
    if (!underflow && !belowMin) return;
    if (lastNonFinite === 'ratio') {
      throw new OverflowError(
        'error-ratio',
        `the error ratio stayed non-finite while the trial state is finite, down to |h| = ${Math.abs(h)}: ` +
          `err / (atol + rtol·|y|) overflows (rtol = ${opts.rtol}, atol = ${opts.atolVector ? 'per component' : opts.atol}: tolerances too small for this state)`,
        t,
        this.attempts,
        this.snapshot(),
      );
    }
    if (lastNonFinite) {
      throw new NonFiniteError(
        `the trial state was non-finite and shrinking the step to |h| = ${Math.abs(h)} did not help`,
        t,
        this.attempts,
        this.snapshot(),
      );
    }
    if (underflow) {
      throw new StepSizeError(
        'underflow',
        h,
        `step size underflow: |h| = ${Math.abs(h)} no longer changes t`,
        t,
        this.attempts,
        this.snapshot(),
      );
    }
    throw new StepSizeError(
      'below-min-step',
      h,
      `step size |h| = ${Math.abs(h)} fell below minStep = ${opts.minStep}`,
      t,
      this.attempts,
      this.snapshot(),
    );
  }

  private checkMaxSteps(t: number): void {
    if (this.attempts >= this.opts.maxSteps) {
      throw new MaxStepsError(
        `maxSteps (${this.opts.maxSteps}) reached before t = ${this.tEnd}`,
        t,
        this.attempts,
        this.snapshot(),
      );
    }
  }

  /** Records the step, writes outputs inside (t, t1], moves y1 → y0; returns whether k[0] = f(t1, y1). */
  private accept(t: number, t1: number, h: number): boolean {
    const { stepper, dense, ts, direction } = this;
    this.stats.acceptedSteps++;
    this.opts.recorder?.accepted(t, h);
    if (this.opts.recordSteps) {
      this.stepT.push(t);
      this.stepH.push(h);
      this.stepY.push(this.copyOut(stepper.y0));
    }
    let haveNext = false;
    while (this.nextOutput < ts.length && direction * (ts[this.nextOutput] - t1) <= 0) {
      const tOut = ts[this.nextOutput++];
      if (tOut === t1) {
        this.outputs.push(this.copyOut(stepper.y1));
        continue;
      }
      if (dense.needsNext && !haveNext) {
        this.f.call(t1, stepper.y1, this.next, STEP_END);
        haveNext = true;
      }
      const out = dense.evaluate(stepper.y0, h, (tOut - t) / h, stepper.k, this.next);
      this.outputs.push(this.copyOut(out));
    }
    stepper.advance(); // y1 → y0 (and k_s → k_1 for FSAL pairs) by swapping buffers
    if (stepper.tableau.fsal) return true;
    if (haveNext) {
      this.copy(stepper.k[0], this.next);
      return true;
    }
    return false;
  }

  private copyOut(ptr: number): Float64Array {
    return this.stepper.arena.read(ptr, this.stepper.n);
  }

  private copy(to: number, from: number): void {
    this.stepper.kernels.copy(to, from, this.stepper.n);
  }

  private finite(ptr: number): boolean {
    return this.stepper.kernels.all_finite(ptr, this.stepper.n) === 1;
  }
}
