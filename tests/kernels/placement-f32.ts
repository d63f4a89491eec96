// Puts f32 test arrays into kernel memory, 16-byte aligned or misaligned by 4, 8 or 12 bytes, with guard
// values around each one so a test can prove a kernel wrote nothing outside its output.
import * as assert from 'uvu/assert';
import type { Runtime } from '../../src/runtime/wasm.js';

const GUARDS = 3;
const GUARD_VALUE = Math.fround(-7.25e31);
export const MISALIGNMENTS_F32 = [0, 4, 8, 12] as const;
export type Misalign32 = (typeof MISALIGNMENTS_F32)[number];

export interface Placed32 {
  readonly ptr: number;
  /** the n values as they are now (a copy) */
  read(): Float32Array;
  checkGuards(what: string): void;
}

export function placeF32(rt: Runtime, values: ArrayLike<number>, misalign: Misalign32 = 0): Placed32 {
  const n = values.length;
  const base = rt.arena.alloc(Math.ceil((n + 2 * GUARDS + 4) / 2));
  const ptr = base + GUARDS * 4 + misalign;
  const first = ptr / 4;
  const view = () => new Float32Array(rt.kernels.memory.buffer);
  const f32 = view();
  for (let g = 1; g <= GUARDS; g++) {
    f32[first - g] = GUARD_VALUE;
    f32[first + n + g - 1] = GUARD_VALUE;
  }
  f32.set(values, first);
  return {
    ptr,
    read: () => view().slice(first, first + n),
    checkGuards(what: string) {
      const v = view();
      for (let g = 1; g <= GUARDS; g++) {
        assert.is(v[first - g], GUARD_VALUE, `${what}: guard ${g} before the array was overwritten`);
        assert.is(v[first + n + g - 1], GUARD_VALUE, `${what}: guard ${g} after the array was overwritten`);
      }
    },
  };
}

/** n values uniform in [low, high), rounded to f32. */
export function randomF32(
  rng: { uniformIn(a: number, b: number): number },
  n: number,
  low = -1,
  high = 1,
): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniformIn(low, high));
}
