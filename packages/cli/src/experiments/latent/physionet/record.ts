// One PhysioNet 2012 record (a patient's `<RecordID>.txt`): the header `Time,Parameter,Value`, then one
// measurement a line, `hh:mm` since ICU admission (at most 48:00), the parameter's name and its value.
// Rules, each refused with a PhysioNetFormatError naming the file and line unless stated:
// - every line has exactly three comma-separated fields; no blank lines (but a final newline, and \r\n
//   line ends, are fine); times are hh:mm with minutes < 60 and at most 48:00; values are decimal numbers;
// - parameters are the challenge's 42 names (RecordID, the descriptors, the time series); any other is refused;
// - RecordID comes once, at 00:00, an integer, equal to the file's name when that is `<digits>.txt`;
//   Age, Gender, Height and ICUType come at most once each, at 00:00;
// - a value of exactly −1 is the challenge's "missing" and is dropped (no modelled variable can be −1);
// - times are rounded to the nearest multiple of `quantum` hours, halves up (Rubanova et al.'s
//   round(t / q)·q) and several values of one variable at one rounded time are averaged (their
//   "average" reduce); lines need not be in time order.
// Values stay in their clinical units here; normalisation needs the training split (load.ts).
import { ArgumentError } from 'taynode';
import type { SeriesRows } from '../channels.js';
import { PhysioNetFormatError } from './errors.js';
import { MISSING, PHYSIONET_DESCRIPTORS, PHYSIONET_HOURS, PHYSIONET_VARIABLES, RECORD_ID } from './variables.js';

export const PHYSIONET_HEADER = 'Time,Parameter,Value';

export type Descriptor = (typeof PHYSIONET_DESCRIPTORS)[number];

export interface PhysioNetRecord {
  recordId: number;
  /** Age, Gender, Height, ICUType; NaN where absent or −1 */
  descriptors: Record<Descriptor, number>;
  /** the modelled variables on the quantised grid (grid index g is time g·quantum hours), raw units */
  rows: SeriesRows;
}

const VARIABLE_INDEX = new Map<string, number>(PHYSIONET_VARIABLES.map((name, i) => [name, i]));
const DESCRIPTOR_NAMES = new Set<string>(PHYSIONET_DESCRIPTORS);
const TIME = /^(\d{1,2}):(\d{2})$/;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Grid points of a quantum: 48 h must split into whole quanta, so the last point is 48:00 exactly. */
export function gridSize(quantum: number): number {
  const quanta = PHYSIONET_HOURS / quantum;
  if (!(quantum > 0) || !Number.isFinite(quanta) || Math.abs(quanta - Math.round(quanta)) > 1e-9 * quanta) {
    throw new ArgumentError(
      'quantum',
      `hours dividing ${PHYSIONET_HOURS} h into whole steps (1, 0.5, 0.1, 1/60 …)`,
      quantum,
    );
  }
  return Math.round(quanta) + 1;
}

export function parseRecord(text: string, file: string, quantum: number): PhysioNetRecord {
  const points = gridSize(quantum);
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop(); // the final newline
  const line = (i: number) => (lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i]);
  if (lines.length === 0)
    throw new PhysioNetFormatError(
      file,
      undefined,
      `empty file: expected the header ${PHYSIONET_HEADER} and a RecordID line`,
    );
  if (line(0) !== PHYSIONET_HEADER)
    throw new PhysioNetFormatError(
      file,
      1,
      `expected the header ${PHYSIONET_HEADER}, got ${JSON.stringify(line(0).slice(0, 80))}`,
    );

  const C = PHYSIONET_VARIABLES.length;
  // (grid index → per-variable sum and count), averaged at the end
  const sums = new Map<number, { sum: Float64Array; count: Uint32Array }>();
  const descriptors = Object.fromEntries(PHYSIONET_DESCRIPTORS.map((d) => [d, NaN])) as Record<Descriptor, number>;
  const seen = new Set<string>();
  let recordId: number | undefined;
  for (let i = 1; i < lines.length; i++) {
    const at = i + 1;
    const fail = (problem: string): never => {
      throw new PhysioNetFormatError(file, at, problem);
    };
    const fields = line(i).split(',');
    if (fields.length !== 3)
      fail(
        `expected three fields Time,Parameter,Value, got ${fields.length === 1 && fields[0] === '' ? 'a blank line' : JSON.stringify(line(i).slice(0, 80))}`,
      );
    const [timeText, name, valueText] = fields;
    const time = TIME.exec(timeText);
    if (!time) fail(`expected a time hh:mm, got ${JSON.stringify(timeText.slice(0, 20))}`);
    const minutes = 60 * Number(time![1]) + Number(time![2]);
    if (Number(time![2]) >= 60) fail(`expected minutes below 60, got ${JSON.stringify(timeText)}`);
    if (minutes > 60 * PHYSIONET_HOURS) fail(`time ${timeText} is beyond the ${PHYSIONET_HOURS} h a record covers`);
    if (!NUMBER.test(valueText))
      fail(`expected a number for ${JSON.stringify(name.slice(0, 40))}, got ${JSON.stringify(valueText.slice(0, 40))}`);
    const value = Number(valueText);
    if (!Number.isFinite(value)) fail(`expected a finite number, got ${JSON.stringify(valueText.slice(0, 40))}`);

    if (name === RECORD_ID || DESCRIPTOR_NAMES.has(name)) {
      if (minutes !== 0) fail(`${name} is a descriptor recorded at 00:00, got it at ${timeText}`);
      if (seen.has(name)) fail(`a second ${name} line (a descriptor comes once)`);
      seen.add(name);
      if (name === RECORD_ID) {
        if (!Number.isSafeInteger(value) || value < 0)
          fail(`expected a non-negative integer RecordID, got ${valueText}`);
        const named = /^(\d+)\.txt$/.exec(file.split(/[\\/]/).pop() ?? '');
        if (named && Number(named[1]) !== value) fail(`RecordID ${value} does not match the file's name`);
        recordId = value;
      } else descriptors[name as Descriptor] = value === MISSING ? NaN : value;
      continue;
    }
    const c = VARIABLE_INDEX.get(name);
    if (c === undefined)
      fail(
        `unknown parameter ${JSON.stringify(name.slice(0, 40))} (not one of the challenge's ${PHYSIONET_VARIABLES.length} time series, ${RECORD_ID} or ${PHYSIONET_DESCRIPTORS.join(', ')})`,
      );
    if (value === MISSING) continue;
    // halves round up, also those floating point puts just below (9 min at 0.1 h: 1.4999…)
    const g = Math.floor(minutes / (60 * quantum) + 0.5 + 1e-9);
    if (g >= points) fail(`time ${timeText} rounds past the grid's last point`); // cannot happen: minutes ≤ 48 h
    let cell = sums.get(g);
    if (!cell) sums.set(g, (cell = { sum: new Float64Array(C), count: new Uint32Array(C) }));
    cell.sum[c!] += value;
    cell.count[c!] += 1;
  }
  if (recordId === undefined)
    throw new PhysioNetFormatError(file, undefined, `no ${RECORD_ID} line (every record opens with one at 00:00)`);

  const grid = Int32Array.from([...sums.keys()].sort((a, b) => a - b));
  const values = new Float64Array(grid.length * C),
    mask = new Uint8Array(grid.length * C);
  grid.forEach((g, r) => {
    const { sum, count } = sums.get(g)!;
    for (let c = 0; c < C; c++) {
      if (count[c] === 0) continue;
      values[r * C + c] = sum[c] / count[c];
      mask[r * C + c] = 1;
    }
  });
  return { recordId, descriptors, rows: { grid, values, mask } };
}
