// The Rng a loader builds a model with before the file's weights overwrite every parameter: each draw
// is the constant 1/2 (uniform), 0 (normal) and a fair coin's +1, so no time goes into random numbers
// nobody reads (drawing a 2-64-64-2 model's 4,400 weights cost ~10 ms of a cold start, in code the
// engine had not optimised yet). Every initialiser stays well defined on it.
import { Rng } from '../random.js';

export class PlaceholderRng extends Rng {
  constructor() {
    super(0);
  }

  override nextUint32(): number {
    return 0x80000000;
  }

  override uniform(): number {
    return 0.5;
  }

  override normal(): number {
    return 0;
  }

  /** One draw repeated: the loop over every weight is what a cold start cannot afford. */
  override fill(out: Float64Array, draw: (rng: Rng) => number = (r) => r.uniform()): Float64Array {
    return out.fill(draw(this));
  }
}
