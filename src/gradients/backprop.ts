// gradient 'backprop' (torchdiffeq's default: backpropagate through the solver's own operations): the
// forward solve keeps every accepted step's stages (stage-store.ts) in the arena above the solver's
// scratch, and the backward pass reverses them without evaluating f again. The stages stay allocated
// from forward to backward (or release): this method tracks which passes hold which bytes, so several
// passes may be pending at once and each is freed once nothing live lies above it.
import { ArenaExhaustedError, ArgumentError } from '../errors.js';
import { TABLEAUS } from '../ode/tableaus.js';
import type { OdeSolution } from '../ode/solve.js';
import type { AugmentedDynamics } from '../terms/augmented.js';
import type {
  BackwardRequest,
  BackwardResult,
  ForwardRequest,
  GradientStrategy,
  OdeBlock,
  RecordedForward,
  StoredPass,
} from './method.js';
import { reverseRecordedSteps } from './reverse-steps.js';
import { StageStore } from './stage-store.js';

export class BackpropGradient implements GradientStrategy {
  readonly name = 'backprop';
  /** per dynamics, the passes whose stages its slots hold, awaiting their backward */
  private readonly liveStores = new WeakMap<AugmentedDynamics, Set<StageStore>>();
  /** stages released (backward done) but still allocated below another pass's */
  private readonly releasedStages = new Set<StoredPass>();

  forward(
    block: OdeBlock,
    dyn: AugmentedDynamics,
    y0: Float64Array,
    { ts, grid, norm }: ForwardRequest,
  ): RecordedForward {
    const { arena } = block.rt;
    const start = arena.mark();
    // Passes still awaiting their backward keep their slots (several samples' solves, say); one whose
    // stages an arena scope has freed since will never be reversed.
    let live = this.liveStores.get(dyn);
    if (!live) this.liveStores.set(dyn, (live = new Set()));
    for (const other of live) if (other.end > start) live.delete(other);
    const slotBase = Math.max(0, ...Array.from(live, (other) => other.slotEnd));
    dyn.nfe = 0;
    const tableau = TABLEAUS[block.method];
    const store = new StageStore(dyn, arena, tableau.stages, tableau.fsal, slotBase);
    let solution: OdeSolution;
    try {
      // Start states too: step terms read them (and AcceptedSteps is what the reverse walks).
      solution = block.solve({ dyn, y0, ts, grid, record: true, store, norm });
    } catch (error) {
      if (!(error instanceof ArenaExhaustedError)) throw error;
      throw new ArenaExhaustedError(
        `gradient 'backprop': the stages stored by the forward solve (${store.count} accepted steps, ${store.end - start} bytes so far) ` +
          `outgrew the arena's maximum of ${arena.maxBytes} bytes; raise the runtime's maxMemoryBytes, or use gradient 'checkpoint' ` +
          `(memory ∝ steps × state, one step's stages replayed at a time). ${error.message}`,
      );
    }
    // odeint's scope freed everything on return; the stages above its scratch are still there, untouched.
    arena.keepUpTo(store.end);
    live.add(store);
    // (a scope ending before backward frees them, even if later allocations cover them again)
    const stored = { dyn, store, start, end: store.end, watch: arena.watch(store.end) };
    return { solution, nfe: dyn.nfe, termsSkipped: false, stored };
  }

  backward(block: OdeBlock, request: BackwardRequest): BackwardResult {
    const stages = this.storedStages(block, request);
    try {
      return reverseRecordedSteps(block, request, stages);
    } finally {
      this.release(block, request.recorded);
    }
  }

  /** Frees a pass's stored stages once nothing live lies above them (else its caller's scope will). */
  release(block: OdeBlock, recorded: RecordedForward): void {
    const stored = recorded.stored;
    if (!stored) return;
    recorded.stored = undefined;
    this.liveStores.get(stored.dyn)?.delete(stored.store);
    // Freed from the top down: an older pass released first waits until the newer ones above it are
    // (several passes reversed oldest first, outside any scope, would otherwise keep its bytes for good).
    const { arena } = block.rt;
    this.releasedStages.add(stored);
    for (let freed = true; freed; ) {
      freed = false;
      for (const r of this.releasedStages) {
        if (r.watch.broken)
          this.releasedStages.delete(r); // a scope freed it (and stopped watching)
        else if (arena.mark() === r.end) {
          arena.unwatch(r.watch);
          arena.reset(r.start);
          this.releasedStages.delete(r);
          freed = true;
        }
      }
    }
  }

  /** The pass's stored stages, checked to be still in place. */
  private storedStages(block: OdeBlock, { dyn, recorded }: BackwardRequest): StageStore {
    const stored = recorded.stored;
    if (!stored)
      throw new ArgumentError(
        'pass',
        "a forward pass with record: true whose stages are still stored (gradient 'backprop' frees them in backward: one backward per pass)",
        'none stored',
      );
    if (!this.liveStores.get(dyn)?.has(stored.store) || stored.watch.broken || block.rt.arena.mark() < stored.end) {
      throw new ArgumentError(
        'pass',
        "a pass whose stored stages are still allocated (gradient 'backprop': the arena scope around forward and backward must not end in between)",
        'freed',
      );
    }
    return stored.store;
  }
}
