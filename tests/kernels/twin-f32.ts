// Runs an f64 kernel and its f32 twin on the same values (f32 values, exact in f64) and compares every
// array afterwards, outputs and inputs alike, plus the return value: the twin must match the f64 kernel
// rounded to f32 within the tolerance a test states. f32 arrays are misaligned as asked and guarded.
import * as assert from 'uvu/assert';
import type { Runtime } from '../../src/runtime/wasm.js';
import { placeF32, type Misalign32 } from './placement-f32.js';

/** A scalar argument (passed unchanged to both kernels), an array, the null pointer 0, or the same
 *  pointer as array argument `same` (aliasing). */
export type TwinArg = number | Float32Array | 'null' | { same: number };

export interface TwinTolerance {
  /** |f32 − f64| ≤ rel·|f64| + abs per element */
  rel: number;
  abs: number;
  /** the same for the return value (default: rel, abs) */
  retRel?: number;
  retAbs?: number;
}

export interface TwinResult {
  arrays32: Float32Array[];
  arrays64: Float64Array[];
  ret32: number | undefined;
  ret64: number | undefined;
}

function near(a: number, e: number, rel: number, abs: number): boolean {
  if (Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e))) return true;
  return Math.abs(a - e) <= rel * Math.abs(e) + abs;
}

export function compareTwin(
  rt: Runtime,
  name: string,
  args: TwinArg[],
  tol: TwinTolerance,
  what: string,
  misalign: (i: number) => Misalign32 = (i) => ((i * 4) % 16) as Misalign32,
): TwinResult {
  return rt.arena.scope(() => {
    const k = rt.kernels as unknown as Record<string, (...a: number[]) => number | undefined>;
    const f64 = k[name],
      f32 = k[`${name}_f32`];
    assert.type(f64, 'function', `${name} exists`);
    assert.type(f32, 'function', `${name}_f32 exists`);
    const placed32 = args.map((a, i) => (a instanceof Float32Array ? placeF32(rt, a, misalign(i)) : undefined));
    const ptr64 = args.map((a) => {
      if (!(a instanceof Float32Array)) return 0;
      const p = rt.arena.alloc(Math.max(a.length, 1));
      rt.arena.f64.set(a, p / 8);
      return p;
    });
    const call = (ptrs: (i: number) => number) =>
      args.map((a, i) =>
        a instanceof Float32Array ? ptrs(i) : a === 'null' ? 0 : typeof a === 'object' ? ptrs(a.same) : a,
      );
    const low = new Uint8Array(rt.kernels.memory.buffer, 0, 64).slice();
    const ret64 = f64(...call((i) => ptr64[i]));
    const ret32 = f32(...call((i) => placed32[i]!.ptr));
    assert.equal(
      Array.from(new Uint8Array(rt.kernels.memory.buffer, 0, 64)),
      Array.from(low),
      `${name}_f32 ${what}: wrote near address 0`,
    );
    const arrays32: Float32Array[] = [],
      arrays64: Float64Array[] = [];
    args.forEach((a, i) => {
      if (!(a instanceof Float32Array)) return;
      const got = placed32[i]!.read(),
        want = rt.arena.f64.slice(ptr64[i] / 8, ptr64[i] / 8 + a.length);
      placed32[i]!.checkGuards(`${name}_f32 ${what} argument ${i}`);
      for (let j = 0; j < got.length; j++) {
        assert.ok(
          near(got[j], want[j], tol.rel, tol.abs),
          `${name}_f32 ${what}: argument ${i}[${j}] = ${got[j]}, the f64 kernel gives ${want[j]}`,
        );
      }
      arrays32.push(got);
      arrays64.push(want);
    });
    if (ret64 !== undefined) {
      assert.ok(
        near(ret32 as number, ret64, tol.retRel ?? tol.rel, tol.retAbs ?? tol.abs),
        `${name}_f32 ${what}: returns ${ret32}, the f64 kernel ${ret64}`,
      );
    }
    return { arrays32, arrays64, ret32, ret64 };
  });
}
