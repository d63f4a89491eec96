// Puts test arrays into kernel memory at 16-byte-aligned or deliberately misaligned (+8 bytes) offsets,
// with guard values around each one so a test can prove a kernel wrote nothing outside its output.
import * as assert from 'uvu/assert';
import type { Runtime } from '../../src/runtime/wasm.js';

const GUARDS = 2; // values on each side
const GUARD_VALUE = -7.25e101; // unlikely to be produced by any kernel on the test data

export interface Placed {
  /** byte offset of element 0 */
  readonly ptr: number;
  /** the n values as they are now (a copy) */
  read(): Float64Array;
  /** fails if any guard value around the array changed */
  checkGuards(what: string): void;
}

/** Copies `values` into the arena at an aligned (misalign = 0) or 8-byte-misaligned offset. */
export function place(rt: Runtime, values: ArrayLike<number>, misalign: 0 | 8 = 0): Placed {
  const n = values.length;
  const base = rt.arena.alloc(n + 2 * GUARDS + 1);
  const ptr = base + GUARDS * 8 + misalign;
  const first = ptr / 8;
  const f64 = rt.arena.f64;
  for (let g = 1; g <= GUARDS; g++) {
    f64[first - g] = GUARD_VALUE;
    f64[first + n + g - 1] = GUARD_VALUE;
  }
  f64.set(values, first);
  return {
    ptr,
    read: () => rt.arena.f64.slice(first, first + n),
    checkGuards(what: string) {
      const view = rt.arena.f64;
      for (let g = 1; g <= GUARDS; g++) {
        assert.is(view[first - g], GUARD_VALUE, `${what}: guard ${g} before the array was overwritten`);
        assert.is(view[first + n + g - 1], GUARD_VALUE, `${what}: guard ${g} after the array was overwritten`);
      }
    },
  };
}

export const ALIGNMENTS: (0 | 8)[] = [0, 8];
