// The exact densities of the toy sets whose generator defines one in closed form, for the test NLL a
// converged flow can reach (`nll_true`) and the stop rule's target:
// - 8gaussians: an equal mixture of 8 isotropic Gaussians, centres 4·(cos, sin)(kπ/4)/1.414, σ = 0.5/1.414;
// - checkerboard: uniform on 8 of the 16 unit squares of [−2, 2)², scaled by 2: density 1/32 on its
//   support (area 32), so −log p = ln 32 at every point the generator draws.
// The other toy sets (pinwheel, 2spirals, …) have no closed form here; their runs stop by patience.
import { ArgumentError } from 'taynode';
import type { ToyDatasetName } from './data.js';

export const TOYS_WITH_DENSITY: readonly ToyDatasetName[] = ['8gaussians', 'checkerboard'];

// biome-ignore lint/suspicious/noApproximativeNumericConstant: FFJORD's own divisor (1.414, not √2), as the generator uses
const SQRT2ISH = 1.414;

/** log p(x) of each row [n, 2] under the named toy density (only those in TOYS_WITH_DENSITY). */
export function toyLogDensity(name: ToyDatasetName, x: Float64Array): Float64Array {
  const n = x.length / 2,
    out = new Float64Array(n);
  switch (name) {
    case '8gaussians': {
      const sigma = 0.5 / SQRT2ISH,
        logNorm = -Math.log(2 * Math.PI * sigma * sigma) - Math.log(8);
      const logs = new Float64Array(8);
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < 8; k++) {
          const a = (k * 2 * Math.PI) / 8;
          const dx = x[2 * i] - (4 * Math.cos(a)) / SQRT2ISH,
            dy = x[2 * i + 1] - (4 * Math.sin(a)) / SQRT2ISH;
          logs[k] = logNorm - (dx * dx + dy * dy) / (2 * sigma * sigma);
        }
        const top = Math.max(...logs);
        out[i] = top + Math.log(logs.reduce((s, v) => s + Math.exp(v - top), 0));
      }
      return out;
    }
    case 'checkerboard': {
      for (let i = 0; i < n; i++) out[i] = onCheckerboard(x[2 * i] / 2, x[2 * i + 1] / 2) ? -Math.log(32) : -Infinity;
      return out;
    }
    default:
      throw new ArgumentError(
        'dataset',
        `one of ${TOYS_WITH_DENSITY.join(', ')} (a toy set with a closed-form density)`,
        name,
      );
  }
}

/** In the unscaled board: x1 ∈ [−2, 2) and x2 in one of the two unit cells its column allows. */
function onCheckerboard(x1: number, x2: number): boolean {
  if (!(x1 >= -2 && x1 < 2 && x2 >= -2 && x2 < 2)) return false;
  const parity = ((Math.floor(x1) % 2) + 2) % 2,
    cell = Math.floor(x2);
  return cell === parity || cell === parity - 2;
}

/** The mean −log p of the rows under the named toy density. */
export const toyTrueNll = (name: ToyDatasetName, x: Float64Array): number =>
  -toyLogDensity(name, x).reduce((a, v) => a + v, 0) / (x.length / 2);
