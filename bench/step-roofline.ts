// What one MNIST training step must compute, in units of evaluations of f, and the time its GEMMs and
// activations would take at the kernels' measured throughput: the floor each profile category is set against.

/** The dynamics' linear layers as (inputs, outputs), the time column included in the inputs. */
export type Layers = readonly (readonly [inputs: number, outputs: number])[];

export interface StepWork {
  /** evaluations of f in the forward solve (rejected steps and the initial-step probes included) */
  forwardEvals: number;
  /** vector–Jacobian products of f in the backward pass (one per kept stage of each accepted step) */
  backwardVjps: number;
  /** forward evaluations + 2 per VJP (a VJP's two GEMMs per layer, dX and dW, each as costly as the forward's) */
  evalEquivalents: number;
  /** FLOPs of the step's GEMMs */
  gemmFlops: number;
  /** values through the activations forward (each VJP passes as many through the activations' VJP) */
  activationValues: number;
}

/**
 * The step's work: `forwardEvals` evaluations of f, and `backwardVjps` VJPs of it, on a batch of `batch`
 * through `layers`, with `activationWidths` values per example through the activations.
 */
export function stepWork(
  forwardEvals: number,
  backwardVjps: number,
  batch: number,
  layers: Layers,
  activationWidths: readonly number[],
): StepWork {
  const evalFlops = layers.reduce((s, [i, o]) => s + 2 * batch * i * o, 0);
  const activations = batch * activationWidths.reduce((a, b) => a + b, 0);
  return {
    forwardEvals,
    backwardVjps,
    evalEquivalents: forwardEvals + 2 * backwardVjps,
    gemmFlops: evalFlops * (forwardEvals + 2 * backwardVjps),
    activationValues: activations * forwardEvals,
  };
}

/** ms per evaluation of f and per VJP of its GEMMs and of its activations, as measured alone. */
export interface PerEvaluationMs {
  gemmForward: number;
  gemmVjp: number;
  activationForward: number;
  activationVjp: number;
}

/** The step's floors in ms: its evaluations and VJPs at the kernels' own speed, nothing else. */
export function floorsMs(work: StepWork, per: PerEvaluationMs): { gemm: number; activations: number } {
  return {
    gemm: work.forwardEvals * per.gemmForward + work.backwardVjps * per.gemmVjp,
    activations: work.forwardEvals * per.activationForward + work.backwardVjps * per.activationVjp,
  };
}
