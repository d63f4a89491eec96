// The marker a command leaves in every output folder it fills: which command wrote the folder and
// which of its files are that command's. A later run of the same command replaces only those files;
// a folder without it (or another command's) is the user's, and is refused unless --force.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const MARKER = '.taynode-output.json';

export interface OutputMarker {
  /** the command that wrote the folder, e.g. 'toy' */
  command: string;
  /** the entries of the folder that command wrote (top-level names) */
  files: string[];
}

/** The folder's marker; undefined when it has none or one this program did not write (unreadable). */
export function readMarker(dir: string): OutputMarker | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(dir, MARKER), 'utf8'));
  } catch {
    return undefined;
  }
  const m = parsed as Partial<OutputMarker>;
  const valid =
    typeof m === 'object' &&
    m !== null &&
    typeof m.command === 'string' &&
    Array.isArray(m.files) &&
    m.files.every((f) => typeof f === 'string' && f !== '' && !f.includes('/') && !f.includes('\\'));
  return valid ? { command: m.command!, files: m.files! } : undefined;
}

export function writeMarker(dir: string, marker: OutputMarker): void {
  const text =
    JSON.stringify({ written_by: 'taynode', command: marker.command, files: [...marker.files].sort() }, null, 2) + '\n';
  writeFileSync(join(dir, MARKER), text);
}
