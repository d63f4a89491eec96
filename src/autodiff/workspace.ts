// What the compiled graph interpreters (Program, JetProgram) share when they lay out one evaluation:
// blocks placed one after another in a workspace the arena hands out per call, and one Site per op
// application whose pointers are refreshed before every call.
import { alignUp } from '../runtime/arena.js';
import type { Shape, Site } from './op.js';

/** Relative byte offsets of arena-aligned blocks of values (`valueBytes` each), placed in order. */
export class WorkspaceLayout {
  /** bytes placed so far: the workspace's size once everything is placed */
  bytes = 0;

  constructor(readonly valueBytes: 4 | 8) {}

  /** Places a block of `count` values; returns its offset from the workspace's base. */
  place(count: number): number {
    const at = this.bytes;
    this.bytes += alignUp(count * this.valueBytes);
    return at;
  }
}

/** A Site for one application of an op with every pointer 0, and `auxCount` auxiliary series. */
export function blankSite(
  inShapes: readonly Shape[],
  out: Shape,
  attrs: Readonly<Record<string, number>>,
  auxCount = 0,
): Site {
  const zeros = (count: number) => new Array<number>(count).fill(0);
  return {
    inShapes,
    rows: out[0],
    cols: out[1],
    attrs,
    x: zeros(inShapes.length),
    y: 0,
    saved: 0,
    gx: zeros(inShapes.length),
    gy: 0,
    tmp: 0,
    aux: zeros(auxCount),
    gaux: zeros(auxCount),
  };
}
