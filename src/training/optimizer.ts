// The interface every optimiser implements: one update of all parameters from their gradients.
export interface Optimizer {
  readonly name: string;
  /** Number of completed steps. */
  readonly iteration: number;
  /** Learning rate the next step will use. */
  currentRate(): number;
  /** Updates every parameter in place from its gradient, then advances the iteration. */
  step(): void;
}
