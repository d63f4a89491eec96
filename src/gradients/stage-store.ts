// The forward half of gradient 'backprop' (torchdiffeq's default: backpropagate through the solver's
// own operations): a StageRecorder (src/ode/recorder.ts) and the arena dynamics odeint evaluates,
// keeping every accepted step's stage evaluations, their programs' values in slots of the augmented
// dynamics (recordStage), in the arena above the solver's scratch. The backward pass reverses them
// with replay.ts's reverse instead of replaying them. A rejected attempt's stages are freed at once
// (reset to the mark taken before its stage 2); FSAL pairs keep one evaluation for a step's last stage
// and the next step's first, and f(t1, y1) evaluated for dense output is the next step's first stage too.
// Memory ∝ accepted steps × stages × the dynamics' intermediates.
import { callOnTensors, type ArenaDynamics } from '../ode/dynamics.js';
import { PROBE, STEP_END, type StageRecorder } from '../ode/recorder.js';
import type { Arena } from '../runtime/arena.js';
import type { Tensor } from '../runtime/tensor.js';
import type { Ptr } from '../autodiff/op.js';
import type { AugmentedDynamics } from '../terms/augmented.js';
import type { StoredStages } from './replay.js';

export class StageStore implements StageRecorder, StoredStages {
  readonly stages: number[][] = [];
  readonly ends: number[] = [];
  /** what odeint evaluates: kept stages through dyn.recordStage, probes through dyn.odeFunction */
  readonly odeFunction: ArenaDynamics;
  /** arena top after the last kept evaluation (what the pass must keep allocated) */
  end: number;
  /** the next slot: this pass's slots are [slotBase, slots) (another live pass of the dynamics may hold lower ones) */
  private slots: number;
  private role = PROBE;
  /** the attempt's stage slots (−1: not evaluated in it) */
  private readonly current: number[];
  /** slot of f(t, y0) for the next step when the previous step carried it over (FSAL, or a STEP_END) */
  private carried = -1;
  /** what survives a rejection: the arena mark and slot count before the attempt's stage 2 */
  private keptMark: number;
  private keptSlots: number;

  constructor(
    private readonly dyn: AugmentedDynamics,
    private readonly arena: Arena,
    stageCount: number,
    private readonly fsal: boolean,
    readonly slotBase = 0,
  ) {
    this.slots = this.keptSlots = slotBase;
    this.current = new Array<number>(stageCount).fill(-1);
    this.end = this.keptMark = arena.mark();
    const plain = dyn.odeFunction;
    this.odeFunction = {
      evaluate: (t: number, y: Tensor, dy: Tensor): void => {
        if (this.role === PROBE) {
          if (typeof plain === 'function') callOnTensors(plain, t, y, dy);
          else plain.evaluate(t, y, dy);
          return;
        }
        const slot = this.slots++;
        dyn.recordStage(t, y.offset, dy.offset, slot);
        this.end = arena.mark();
        if (this.role === STEP_END) {
          this.ends[this.ends.length - 1] = slot;
          this.carried = slot;
        } else this.current[this.role] = slot;
      },
    };
  }

  /** One past the last slot this pass holds. */
  get slotEnd(): number {
    return this.slots;
  }

  /** Accepted steps so far. */
  get count(): number {
    return this.stages.length;
  }

  evaluation(stage: number): void {
    this.role = stage;
    if (stage === 1) {
      // Everything kept so far (up to this step's stage 0) outlives a rejection of this attempt.
      this.keptMark = this.arena.mark();
      this.keptSlots = this.slots;
    }
  }

  accepted(): void {
    const slots = this.current.slice();
    if (slots[0] < 0) slots[0] = this.carried;
    this.stages.push(slots);
    // f(t_end, y_end): an FSAL pair's last stage; else a STEP_END evaluation, made when dense output needs it.
    this.ends.push(this.fsal ? slots[slots.length - 1] : -1);
    this.carried = this.fsal ? slots[slots.length - 1] : -1;
    this.current.fill(-1);
  }

  rejected(): void {
    this.arena.reset(this.keptMark);
    this.end = this.keptMark;
    this.slots = this.keptSlots;
    for (let i = 1; i < this.current.length; i++) this.current[i] = -1;
  }

  output(slot: number, dy: Ptr): void {
    this.dyn.storedOutput(slot, dy);
  }
}
