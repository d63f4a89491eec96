// A batch too large for the runtime's memory is refused before any work: a solve holds at least the
// state, a trial state and one stage of the whole batch at once, so a batch whose three copies exceed
// the arena's room cannot finish, and finding out by allocating took a minute and gigabytes.
import { ArenaExhaustedError } from '../errors.js';
import type { Arena } from './arena.js';

/** The fewest copies of the batch's state any solve holds in the arena at once. */
const MIN_STATE_COPIES = 3;

/** Throws ArenaExhaustedError, naming `name`, when `rows` states of `valuesPerRow` values cannot be solved within the arena's maximum. */
export function checkBatchFits(arena: Arena, rows: number, valuesPerRow: number, name: string): void {
  const need = MIN_STATE_COPIES * rows * valuesPerRow * arena.valueBytes;
  const room = arena.maxBytes - arena.usedBytes;
  if (need <= room) return;
  throw new ArenaExhaustedError(
    `${name}: a batch of ${rows} rows × ${valuesPerRow} values needs at least ${need} bytes of arena to solve (the state, a trial state and a stage), ` +
      `beyond the ${room} bytes left of the runtime's maximum of ${arena.maxBytes} (maxMemoryBytes): split the batch or raise maxMemoryBytes`,
  );
}
