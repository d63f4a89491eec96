// A bump allocator over the wasm module's linear memory. Allocations are 16-byte aligned (v128 loads),
// freed by scope (mark/reset), and the memory grows on demand up to a configured maximum.
// memory.grow detaches every ArrayBuffer view, so the views are re-created whenever the buffer changes.
// Sizes count values of the runtime's dtype (`valueBytes` each); tables that stay f64 whatever the
// dtype (the RK term table, dense-output coefficients) take `allocBytes` and the `f64` view.
import { ArenaExhaustedError, ArgumentError } from '../errors.js';
import type { Values } from './dtype.js';

const PAGE_BYTES = 65536;
const ALIGN = 16;

/** Memory an Arena watches (Arena.watch). */
export interface ArenaWatch {
  readonly end: number;
  broken: boolean;
}

export class Arena {
  private top: number;
  private f64View: Float64Array;
  private valueView: Values;
  private readonly watches = new Set<ArenaWatch>();

  constructor(
    readonly memory: WebAssembly.Memory,
    /** first usable byte: the module's static data lies below */
    readonly base: number,
    /** the most bytes linear memory may grow to */
    readonly maxBytes: number,
    /** bytes per value: 8 (f64) or 4 (f32) */
    readonly valueBytes: 4 | 8 = 8,
  ) {
    if (valueBytes !== 4 && valueBytes !== 8) throw new ArgumentError('valueBytes', '4 or 8', valueBytes);
    this.top = alignUp(base);
    this.f64View = new Float64Array(memory.buffer);
    this.valueView = valueBytes === 8 ? this.f64View : new Float32Array(memory.buffer);
  }

  /** A view of all of linear memory as f64 (for f64 tables whatever the dtype), valid until memory grows. */
  get f64(): Float64Array {
    if (this.f64View.buffer !== this.memory.buffer) this.f64View = new Float64Array(this.memory.buffer);
    return this.f64View;
  }

  /** A view of all of linear memory in the runtime's value type, valid until memory grows; index = byte offset / valueBytes. */
  get values(): Values {
    if (this.valueView.buffer !== this.memory.buffer)
      this.valueView = this.valueBytes === 8 ? this.f64 : new Float32Array(this.memory.buffer);
    return this.valueView;
  }

  /** A live view of `count` values at byte offset `ptr`, valid until memory grows. */
  view(ptr: number, count: number): Values {
    const at = ptr / this.valueBytes;
    return this.values.subarray(at, at + count);
  }

  /** Writes `source` at byte offset `ptr` (an f32 runtime rounds each value). */
  write(ptr: number, source: ArrayLike<number>): void {
    this.values.set(source, ptr / this.valueBytes);
  }

  /** A Float64Array copy of `count` values at byte offset `ptr` (f32 values widened exactly). */
  read(ptr: number, count: number): Float64Array {
    const at = ptr / this.valueBytes;
    return this.valueBytes === 8
      ? this.f64.slice(at, at + count)
      : new Float64Array(this.values.subarray(at, at + count));
  }

  /** Bytes handed out (from `base`) and still live. */
  get usedBytes(): number {
    return this.top - alignUp(this.base);
  }

  get capacityBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Reserves room for `count` values of the runtime's dtype; returns its byte offset. Contents are unspecified. */
  alloc(count: number): number {
    if (!Number.isInteger(count) || count < 0) throw new ArgumentError('count', 'a non-negative integer', count);
    return this.allocBytes(count * this.valueBytes);
  }

  /** Reserves `bytes` bytes (16-byte aligned); returns its byte offset. Contents are unspecified. */
  allocBytes(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) throw new ArgumentError('bytes', 'a non-negative integer', bytes);
    const offset = this.top;
    const end = alignUp(offset + bytes);
    this.ensure(end);
    this.top = end;
    return offset;
  }

  /** Like alloc, with every value set to zero. */
  allocZeroed(count: number): number {
    const offset = this.alloc(count);
    const at = offset / this.valueBytes;
    this.values.fill(0, at, at + count);
    return offset;
  }

  /** Like allocBytes, with every byte set to zero (`bytes` a multiple of the value size). */
  allocZeroedBytes(bytes: number): number {
    const offset = this.allocBytes(bytes);
    new Uint8Array(this.memory.buffer, offset, bytes).fill(0);
    return offset;
  }

  /** The current top, to hand to `reset` later. */
  mark(): number {
    return this.top;
  }

  /** Frees everything allocated since `mark` was taken. */
  reset(mark: number): void {
    if (!Number.isInteger(mark) || mark < alignUp(this.base) || mark > this.top || mark % ALIGN !== 0) {
      throw new ArgumentError('mark', `a value returned by mark() at or below the current top ${this.top}`, mark);
    }
    this.freedDownTo(mark);
  }

  /**
   * Watches memory kept past the scope that allocated it (a backprop solve's stored stages) up to byte
   * `end`: `broken` turns true once a reset or the end of a scope frees any of it, even if later
   * allocations bring the top back above it (they may have overwritten it). `unwatch` when done.
   */
  watch(end: number): ArenaWatch {
    const watch = { end, broken: false };
    this.watches.add(watch);
    return watch;
  }

  unwatch(watch: ArenaWatch): void {
    this.watches.delete(watch);
  }

  /** The top moves down to `mark`: memory watched above it is freed. */
  private freedDownTo(mark: number): void {
    this.top = mark;
    if (this.watches.size === 0) return;
    for (const watch of this.watches) {
      if (watch.end > mark) {
        watch.broken = true;
        this.watches.delete(watch);
      }
    }
  }

  /**
   * Allocates [top, end) again right after a reset freed it, keeping its contents: what a finished
   * scope left there on purpose for its caller (a backprop solve's stored stages, above the solver's
   * scratch). Nothing may have been allocated in between.
   */
  keepUpTo(end: number): void {
    if (!Number.isInteger(end) || end < this.top || end % ALIGN !== 0 || end > this.memory.buffer.byteLength) {
      throw new ArgumentError(
        'end',
        `an aligned byte offset at or above the current top ${this.top}, within memory`,
        end,
      );
    }
    this.top = end;
  }

  /** Runs `body` and frees whatever it allocated, even if it throws. Results must be copied out. */
  scope<T>(body: () => T): T {
    const mark = this.top;
    try {
      return body();
    } finally {
      this.freedDownTo(mark);
    }
  }

  private ensure(endByte: number): void {
    const have = this.memory.buffer.byteLength;
    if (endByte <= have) return;
    // Memory grows in whole pages: the last partial page below maxBytes cannot be had.
    const limit = Math.floor(this.maxBytes / PAGE_BYTES) * PAGE_BYTES;
    if (endByte > limit) {
      throw new ArenaExhaustedError(
        `arena exhausted: an allocation needs memory up to byte ${endByte}, beyond the maximum of ${this.maxBytes} bytes ` +
          `(${this.usedBytes} bytes in use); raise maxMemoryBytes or free scopes sooner`,
      );
    }
    // Grow at least geometrically so a long run of small allocations does not grow page by page.
    const wantBytes = Math.min(limit, Math.max(endByte, have * 2));
    const pages = Math.ceil((wantBytes - have) / PAGE_BYTES);
    try {
      this.memory.grow(pages);
    } catch (cause) {
      // The module's declared maximum or the engine refused: the same condition, reported the same way.
      throw new ArenaExhaustedError(
        `arena exhausted: linear memory could not grow by ${pages} pages to ${have + pages * PAGE_BYTES} bytes (${String(cause)})`,
      );
    }
  }
}

export function alignUp(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}
