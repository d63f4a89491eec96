// The two forms of dynamics f(t, y) → dy/dt, behind one evaluator that counts evaluations.
// (a) A plain JS function receives typed-array VIEWS of arena memory: no copies per stage. The views
//     are cached per buffer and re-created whenever linear memory has grown (a grow detaches them); an f
//     whose own allocation grew memory mid-call lost its writes, so it is called once more.
//     In an f32 runtime f still gets Float64Arrays: y is widened into a JS buffer and dy rounded back.
// (b) An arena dynamics object receives Tensors (arena offsets + shape): a network running in wasm
//     reads y and writes dy by pointer, end to end without leaving linear memory.
// Either form runs inside an arena scope: anything it allocates is freed when it returns, so it must
// write its result into dy and keep nothing else.
import type { Arena } from '../runtime/arena.js';
import { Tensor } from '../runtime/tensor.js';
import { TaynodeError } from '../errors.js';
import { PROBE, type StageRecorder } from './recorder.js';

/** Writes dy = f(t, y). y and dy are [rows·cols] batch-major views valid only during the call. */
export type OdeFunction = (t: number, y: Float64Array, dy: Float64Array) => void;

/** Dynamics that work on arena tensors of shape [rows, cols] (e.g. a network evaluated in wasm). */
export interface ArenaDynamics {
  evaluate(t: number, y: Tensor, dy: Tensor): void;
}

export type Dynamics = OdeFunction | ArenaDynamics;

/** Calls a typed-array f on tensors: live views in an f64 runtime; f64 copies (dy rounded back) in an f32 one. */
export function callOnTensors(f: OdeFunction, t: number, y: Tensor, dy: Tensor): void {
  if (y.arena.valueBytes === 8) {
    f(t, y.data as Float64Array, dy.data as Float64Array);
    return;
  }
  const out = new Float64Array(dy.size);
  f(t, y.toFloat64Array(), out);
  dy.copyFrom(out);
}

export function isArenaDynamics(f: unknown): f is ArenaDynamics {
  return typeof f === 'object' && f !== null && typeof (f as ArenaDynamics).evaluate === 'function';
}

export class Evaluator {
  /** evaluations so far */
  nfe = 0;
  // A handful of buffers (the stages, the stage state): a linear scan beats a Map here.
  private viewOffsets: number[] = [];
  private views: Float64Array[] = [];
  private readonly tensors = new Map<number, Tensor>();
  private viewBuffer: ArrayBufferLike | null = null;
  /** f32 runtimes: the Float64Array y and dy a typed-array f works on */
  private wide: { y: Float64Array; dy: Float64Array } | null = null;

  constructor(
    private readonly dynamics: Dynamics,
    private readonly arena: Arena,
    private readonly rows: number,
    private readonly cols: number,
    /** told of each call's stage; then what f allocates in a stage call (not a PROBE) is kept */
    private readonly recorder: StageRecorder | null = null,
  ) {}

  /** dy ← f(t, y), both arena byte offsets of rows·cols values; `stage` for the recorder (recorder.ts). */
  call(t: number, y: number, dy: number, stage = PROBE): void {
    const arena = this.arena;
    const mark = arena.mark();
    if (this.recorder !== null) {
      this.recorder.evaluation(stage);
      if (stage !== PROBE) {
        this.nfe++;
        this.evaluateKept(t, y, dy);
        return;
      }
    }
    // No try/finally: if f throws, the solve's own scope frees everything anyway.
    if (typeof this.dynamics !== 'function') {
      this.nfe++;
      this.dynamics.evaluate(t, this.tensor(y), this.tensor(dy));
    } else if (!this.callFunction(this.dynamics, t, y, dy)) {
      // f grew linear memory (it allocated in this arena), which detached the views it was given, so
      // whatever it wrote after that was lost. The memory stays grown: one more call gets live views.
      arena.reset(mark);
      if (!this.callFunction(this.dynamics, t, y, dy)) {
        throw new TaynodeError(
          `f grew linear memory on two calls in a row at t = ${t}, detaching the y and dy views it was given; ` +
            'allocate its scratch before the solve, or pass arena dynamics ({ evaluate(t, y, dy) } on Tensors)',
        );
      }
    }
    if (arena.mark() !== mark) arena.reset(mark);
  }

  /** A recorded stage: f's arena allocations stay (the recorder frees a rejected attempt's). */
  private evaluateKept(t: number, y: number, dy: number): void {
    if (typeof this.dynamics === 'function')
      throw new TaynodeError('a stage recorder needs arena dynamics ({ evaluate(t, y, dy) } on Tensors)');
    this.dynamics.evaluate(t, this.tensor(y), this.tensor(dy));
  }

  /** Calls a typed-array f; false when its views were detached during the call (memory grew). */
  private callFunction(f: OdeFunction, t: number, y: number, dy: number): boolean {
    this.nfe++;
    if (this.arena.valueBytes === 4) return this.callWidened(f, t, y, dy);
    const dyView = this.view(dy);
    f(t, this.view(y), dyView);
    return dyView.length === this.rows * this.cols;
  }

  /** f32 runtime: f sees f64 copies, and dy is rounded into the arena after it returns (no view to detach). */
  private callWidened(f: OdeFunction, t: number, y: number, dy: number): boolean {
    const size = this.rows * this.cols;
    this.wide ??= { y: new Float64Array(size), dy: new Float64Array(size) };
    const at = (offset: number) => offset / 4;
    this.wide.y.set(this.arena.values.subarray(at(y), at(y) + size));
    f(t, this.wide.y, this.wide.dy);
    this.arena.values.set(this.wide.dy, at(dy));
    return true;
  }

  private view(offset: number): Float64Array {
    // memory.grow detaches the old buffer (byteLength 0): a cheaper test than reading memory.buffer.
    if (this.viewBuffer === null || this.viewBuffer.byteLength === 0) {
      this.viewOffsets = [];
      this.views = [];
      this.viewBuffer = this.arena.memory.buffer;
    }
    const offsets = this.viewOffsets;
    for (let i = 0; i < offsets.length; i++) if (offsets[i] === offset) return this.views[i];
    const v = new Float64Array(this.viewBuffer, offset, this.rows * this.cols);
    offsets.push(offset);
    this.views.push(v);
    return v;
  }

  private tensor(offset: number): Tensor {
    let t = this.tensors.get(offset);
    if (t === undefined) {
      t = new Tensor(this.arena, offset, this.rows, this.cols);
      this.tensors.set(offset, t);
    }
    return t;
  }
}
