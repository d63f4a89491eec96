// The PhysioNet 2012 challenge from a folder laid out as physionet.org ships it: `set-a/`, `set-b/`,
// `set-c/` of `<RecordID>.txt` records (any that exist; at least one) and optional `Outcomes-a.txt` …
// beside them. Preprocessed as the latent-ODE paper's PhysioNet experiment:
// - the 37 time-varying variables (variables.ts), times rounded to `quantum` hours (record.ts; Kelly
//   et al.'s run used 1 h, Rubanova et al.'s default 0.1 h), duplicates at a rounded time averaged;
// - times as fractions of the 48 h window: t ∈ [0, 1] (the references divide by the latest time in the
//   set, 48 h on the real data; a fixed 48 h keeps a subset's times on the same scale);
// - series sorted by RecordID, then a seeded shuffle splits them (80 % train by default, as both do);
// - each variable scaled to [0, 1] on the training split: (x − min)/(max − min), min and max over the
//   training series only, so nothing of the test series leaks into the inputs. The references use the
//   whole set's min/max and divide by max alone ((x − min)/max), which squeezes a variable like pH
//   (≈ 7.0–7.6) into [0, 0.08]; the σ = 0.01 likelihood then weighs variables very unequally. Test
//   values may fall outside [0, 1]. A variable constant or unseen in training is shifted by its min
//   (0 if unseen) and not scaled.
// Records with descriptors but no time-varying value (a few real ones hold only descriptors) are
// skipped and listed (`emptyRecords: 'error'` refuses them instead). Hostile input is refused before it
// is read: at most `maxRecords` records (counted while listing the folders) and `maxFileBytes` per file
// (checked on the open file before its bytes are read; it bounds the lines too). What is kept is
// bounded as it grows: at most `maxRows` observation times over all records (the real challenge has
// about a million at 0.1 h).
import { closeSync, existsSync, fstatSync, openSync, opendirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ArgumentError, Rng } from 'taynode';
import { packChannelSet, type ChannelSet, type SeriesRows } from '../channels.js';
import { PhysioNetFormatError } from './errors.js';
import { parseOutcomes } from './outcomes.js';
import { gridSize, parseRecord, type PhysioNetRecord } from './record.js';
import { PHYSIONET_HOURS, PHYSIONET_OUTCOMES, PHYSIONET_VARIABLES } from './variables.js';

export const PHYSIONET_SETS = ['set-a', 'set-b', 'set-c'] as const;

export interface PhysioNetOptions {
  /** hours each time is rounded to (a divisor of 48 h) */
  quantum: number;
  trainFraction: number;
  /** seed of the train/test shuffle */
  seed: number;
  /** the most records read over all sets */
  maxRecords: number;
  /** the largest record or outcomes file read (real records are ≈ 10–40 kB) */
  maxFileBytes: number;
  /** the most rows (observation times of a record) kept over all records: each holds 37 values and a mask */
  maxRows: number;
  emptyRecords: 'skip' | 'error';
}

export const DEFAULT_PHYSIONET: PhysioNetOptions = {
  quantum: 1,
  trainFraction: 0.8,
  seed: 0,
  maxRecords: 20000,
  maxFileBytes: 1 << 20,
  maxRows: 2_000_000,
  emptyRecords: 'skip',
};

export interface PhysioNetSet extends ChannelSet {
  options: PhysioNetOptions;
  /** RecordID of each series (increasing) */
  recordIds: Int32Array;
  /** series indices of the training and test splits */
  train: Int32Array;
  test: Int32Array;
  /** per variable, the training split's min and max in clinical units (the scaling's inverse) */
  min: Float64Array;
  max: Float64Array;
  /** [series, 5] outcomes in PHYSIONET_OUTCOMES order, NaN for records no outcomes file lists */
  outcomes: Float64Array;
  /** descriptors [series] by name, NaN where missing */
  descriptors: Record<string, Float64Array>;
  /** files skipped as empty records */
  skipped: string[];
}

function checkOptions(o: PhysioNetOptions): void {
  gridSize(o.quantum);
  if (!(o.trainFraction > 0 && o.trainFraction < 1))
    throw new ArgumentError('trainFraction', 'a fraction in (0, 1)', o.trainFraction);
  if (!Number.isSafeInteger(o.seed)) throw new ArgumentError('seed', 'a safe integer', o.seed);
  if (!Number.isSafeInteger(o.maxRecords) || o.maxRecords < 2)
    throw new ArgumentError('maxRecords', 'an integer ≥ 2', o.maxRecords);
  if (!Number.isSafeInteger(o.maxFileBytes) || o.maxFileBytes < 1)
    throw new ArgumentError('maxFileBytes', 'a positive integer', o.maxFileBytes);
  if (!Number.isSafeInteger(o.maxRows) || o.maxRows < 1)
    throw new ArgumentError('maxRows', 'a positive integer', o.maxRows);
  if (o.emptyRecords !== 'skip' && o.emptyRecords !== 'error')
    throw new ArgumentError('emptyRecords', "'skip' or 'error'", o.emptyRecords);
}

/** A file's text, refused before reading if it is not a regular file or is larger than `maxBytes`. */
export function readBounded(path: string, maxBytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new PhysioNetFormatError(path, undefined, 'not a regular file');
    if (st.size > maxBytes)
      throw new PhysioNetFormatError(
        path,
        undefined,
        `${st.size} bytes, more than the ${maxBytes} a file may have (maxFileBytes)`,
      );
    // one byte more than allowed: a file that grew since fstat is caught, not read whole
    const buffer = Buffer.alloc(st.size + 1);
    let length = 0,
      n: number;
    while (length < buffer.length && (n = readSync(fd, buffer, length, buffer.length - length, null)) > 0) length += n;
    if (length > maxBytes)
      throw new PhysioNetFormatError(path, undefined, `more than the ${maxBytes} bytes a file may have (maxFileBytes)`);
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

/** The `*.txt` records of the sets under `dir`, sorted; refused past `maxRecords` while listing. */
function listRecords(dir: string, maxRecords: number): string[] {
  const sets = PHYSIONET_SETS.filter((s) => existsSync(join(dir, s)) && statSync(join(dir, s)).isDirectory());
  if (sets.length === 0)
    throw new ArgumentError(
      'dataDir',
      `a folder holding ${PHYSIONET_SETS.join(', ')} or some of them (the PhysioNet 2012 challenge's record folders)`,
      dir,
    );
  const files: string[] = [];
  for (const s of sets) {
    const d = opendirSync(join(dir, s));
    try {
      for (let e = d.readSync(); e; e = d.readSync()) {
        if (!e.name.endsWith('.txt')) continue;
        if (files.length === maxRecords)
          throw new PhysioNetFormatError(join(dir, s), undefined, `more than ${maxRecords} records (maxRecords)`);
        files.push(join(dir, s, e.name));
      }
    } finally {
      d.closeSync();
    }
  }
  if (files.length < 2)
    throw new PhysioNetFormatError(
      dir,
      undefined,
      `${files.length} record files in ${sets.join(', ')}: at least 2 are needed for a train/test split`,
    );
  return files.sort();
}

function readOutcomes(dir: string, maxBytes: number): Map<number, { values: Float64Array; file: string }> {
  const all = new Map<number, { values: Float64Array; file: string }>();
  for (const s of PHYSIONET_SETS) {
    const file = join(dir, `Outcomes-${s.slice(-1)}.txt`);
    if (!existsSync(file)) continue;
    for (const [id, values] of parseOutcomes(readBounded(file, maxBytes), file)) {
      const before = all.get(id);
      if (before) throw new PhysioNetFormatError(file, undefined, `RecordID ${id} also has outcomes in ${before.file}`);
      all.set(id, { values, file });
    }
  }
  return all;
}

export function loadPhysioNet(dir: string, options: Partial<PhysioNetOptions> = {}): PhysioNetSet {
  const o: PhysioNetOptions = { ...DEFAULT_PHYSIONET, ...options };
  checkOptions(o);
  const files = listRecords(dir, o.maxRecords);
  const outcomes = readOutcomes(dir, o.maxFileBytes);
  const records: (PhysioNetRecord & { file: string })[] = [];
  const skipped: string[] = [];
  const byId = new Map<number, string>();
  let rowCount = 0;
  for (const file of files) {
    const record = parseRecord(readBounded(file, o.maxFileBytes), file, o.quantum);
    const before = byId.get(record.recordId);
    if (before !== undefined)
      throw new PhysioNetFormatError(file, undefined, `RecordID ${record.recordId} is also the record in ${before}`);
    byId.set(record.recordId, file);
    if (record.rows.grid.length === 0) {
      if (o.emptyRecords === 'error')
        throw new PhysioNetFormatError(
          file,
          undefined,
          `empty record: no value of the ${PHYSIONET_VARIABLES.length} time-varying variables`,
        );
      skipped.push(file);
      continue;
    }
    rowCount += record.rows.grid.length;
    if (rowCount > o.maxRows)
      throw new PhysioNetFormatError(
        file,
        undefined,
        `the records so far hold more than ${o.maxRows} observation times in all (maxRows)`,
      );
    records.push({ ...record, file });
  }
  if (records.length < 2)
    throw new PhysioNetFormatError(
      dir,
      undefined,
      `${records.length} non-empty records: at least 2 are needed for a train/test split`,
    );
  records.sort((a, b) => a.recordId - b.recordId);

  const n = records.length;
  const order = new Rng(o.seed).shuffle(Int32Array.from({ length: n }, (_, i) => i)) as Int32Array;
  const nTrain = Math.min(n - 1, Math.max(1, Math.round(o.trainFraction * n)));
  const train = order.slice(0, nTrain).sort(),
    test = order.slice(nTrain).sort();
  const { min, max } = trainingRange(
    records.map((r) => r.rows),
    train,
  );
  const rows = records.map((r) => scaled(r.rows, min, max));
  const points = gridSize(o.quantum);
  const times = Float64Array.from({ length: points }, (_, g) => (g * o.quantum) / PHYSIONET_HOURS);
  times[points - 1] = 1; // exactly, whatever the rounding of g·quantum/48
  const set = packChannelSet([...PHYSIONET_VARIABLES], times, 1, rows);

  const outcomeValues = new Float64Array(n * PHYSIONET_OUTCOMES.length).fill(NaN);
  records.forEach((r, i) => {
    const v = outcomes.get(r.recordId);
    if (v) outcomeValues.set(v.values, i * PHYSIONET_OUTCOMES.length);
  });
  const descriptors = Object.fromEntries(
    Object.keys(records[0].descriptors).map((k) => [
      k,
      Float64Array.from(records, (r) => r.descriptors[k as keyof typeof r.descriptors]),
    ]),
  );
  return {
    ...set,
    options: o,
    recordIds: Int32Array.from(records, (r) => r.recordId),
    train,
    test,
    min,
    max,
    outcomes: outcomeValues,
    descriptors,
    skipped,
  };
}

/** Per variable, min and max of the observed values over the training series (0 and 0 where none). */
export function trainingRange(
  series: SeriesRows[],
  train: ArrayLike<number>,
): { min: Float64Array; max: Float64Array } {
  const C = PHYSIONET_VARIABLES.length;
  const min = new Float64Array(C).fill(Infinity),
    max = new Float64Array(C).fill(-Infinity);
  for (let i = 0; i < train.length; i++) {
    const { values, mask } = series[train[i]];
    for (let k = 0; k < mask.length; k++) {
      if (!mask[k]) continue;
      const c = k % C;
      if (values[k] < min[c]) min[c] = values[k];
      if (values[k] > max[c]) max[c] = values[k];
    }
  }
  for (let c = 0; c < C; c++) if (min[c] === Infinity) min[c] = max[c] = 0;
  return { min, max };
}

/** (x − min)/(max − min) at the observed entries; a range of 0 scales by 1. */
export function scaled(rows: SeriesRows, min: Float64Array, max: Float64Array): SeriesRows {
  const C = min.length;
  const values = rows.values.map((v, k) =>
    rows.mask[k] ? (v - min[k % C]) / (max[k % C] > min[k % C] ? max[k % C] - min[k % C] : 1) : 0,
  );
  return { grid: rows.grid, values, mask: rows.mask };
}
