// An outcomes file (`Outcomes-a.txt`): the header `RecordID,SAPS-I,SOFA,Length_of_stay,Survival,
// In-hospital_death`, then one line per record. Values stay as the challenge writes them (−1 included:
// there it also means "not applicable", e.g. Survival of a patient who lived); In-hospital_death must be
// 0 or 1. A malformed line, a non-numeric value or a RecordID given twice is a PhysioNetFormatError
// naming the file and line. The interpolation task does not use the outcomes; they ride along for
// classification and for reports.
import { PhysioNetFormatError } from './errors.js';
import { PHYSIONET_OUTCOMES, RECORD_ID } from './variables.js';

export const OUTCOMES_HEADER = [RECORD_ID, ...PHYSIONET_OUTCOMES].join(',');

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** RecordID → its five outcomes, in PHYSIONET_OUTCOMES order. */
export function parseOutcomes(text: string, file: string): Map<number, Float64Array> {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0 || lines[0] !== OUTCOMES_HEADER)
    throw new PhysioNetFormatError(
      file,
      1,
      `expected the header ${OUTCOMES_HEADER}, got ${lines.length ? JSON.stringify(lines[0].slice(0, 80)) : 'an empty file'}`,
    );
  const out = new Map<number, Float64Array>();
  for (let i = 1; i < lines.length; i++) {
    const fail = (problem: string): never => {
      throw new PhysioNetFormatError(file, i + 1, problem);
    };
    const fields = lines[i].split(',');
    if (fields.length !== 1 + PHYSIONET_OUTCOMES.length)
      fail(
        `expected ${1 + PHYSIONET_OUTCOMES.length} fields ${OUTCOMES_HEADER}, got ${JSON.stringify(lines[i].slice(0, 80))}`,
      );
    fields.forEach((f, k) => {
      if (!NUMBER.test(f))
        fail(
          `expected a number for ${k === 0 ? RECORD_ID : PHYSIONET_OUTCOMES[k - 1]}, got ${JSON.stringify(f.slice(0, 40))}`,
        );
    });
    const id = Number(fields[0]);
    if (!Number.isSafeInteger(id) || id < 0) fail(`expected a non-negative integer RecordID, got ${fields[0]}`);
    if (out.has(id)) fail(`RecordID ${id} given a second time`);
    const values = Float64Array.from(fields.slice(1), Number);
    const death = values[PHYSIONET_OUTCOMES.indexOf('In-hospital_death')];
    if (death !== 0 && death !== 1) fail(`expected In-hospital_death 0 or 1, got ${death}`);
    out.set(id, values);
  }
  return out;
}
