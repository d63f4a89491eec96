// Upper bounds on the sizes and counts a configuration (or a model file's stored one) may state. They
// are checked before anything is allocated, so a typo or a hostile file fails at once with an
// ArgumentError instead of reserving gigabytes or aborting Node. Each bound is far above any model this
// library trains in reasonable time; raise one deliberately, with its reason, if a real use needs it.

/**
 * Widest layer, state or hidden. A square layer at this width has 8192 × 8193 weights (0.5 GB of f64
 * with its gradient), already at the MAX_PARAMETERS budget; wider layers could not be trained anyway.
 */
export const MAX_WIDTH = 8192;

/** Most Linear layers in the dynamics MLP. Each adds graph nodes and a jet program per batch size. */
export const MAX_LAYERS = 64;

/**
 * Most scalar parameters in a model: 2^25 f64 values are 256 MiB; with their gradients and Adam's two
 * moments that is 1 GiB, half of the default 2 GiB arena, which leaves room for the solve itself.
 */
export const MAX_PARAMETERS = 2 ** 25;

/**
 * Most solver steps (solver.steps, a fixed grid, and solver.maxSteps, the attempt budget). A fixed grid
 * is laid out up front as steps + 1 times (8 MB here) and every step costs at least one evaluation of f,
 * so a larger count is a mistake, not a plan.
 */
export const MAX_STEPS = 1_000_000;

/**
 * Most tensors in a safetensors file. A model at the other limits has a few hundred (two per layer per
 * block); the bound lets a hostile header of a million entries be refused before it is parsed.
 */
export const MAX_TENSORS = 10_000;
