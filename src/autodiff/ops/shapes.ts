// Shape checks shared by the op definitions: each failure names the op and both shapes.
import { ShapeError } from '../../errors.js';
import type { Shape } from '../op.js';

export function sameShape(op: string, shapes: readonly Shape[]): Shape {
  const [first] = shapes;
  for (const s of shapes) {
    if (s[0] !== first[0] || s[1] !== first[1]) {
      throw new ShapeError(`${op}: inputs must have equal shapes, got ${shapes.map(show).join(' and ')}`);
    }
  }
  return first;
}

export function show(s: Shape): string {
  return `[${s[0]}, ${s[1]}]`;
}

export const SCALAR: Shape = [1, 1];
