// Where a command writes, and how. Outputs go to --out (default taynode-results/<command> in the
// current directory, never the package's or a repository's tracked files), which is created and
// proven writable before any training starts. Files are staged in a sibling folder and swapped in at
// the end, so an interrupted run leaves the previous results or the new ones, never a mix; a single
// file (e.g. a --json path elsewhere) is written to a temporary name and renamed.
// The program never deletes what it did not write: a non-empty --out must be a previous output of
// the same command (its marker lists the files to replace) unless --force, and files it did not
// write are carried over into the new folder.
import { existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Option } from 'commander';
import { TaynodeError } from 'taynode';
import { MARKER, readMarker, writeMarker } from './output-marker.js';

/** An output path the command cannot use: names the option and the reason. */
export class OutputError extends TaynodeError {}

export const DEFAULT_RESULTS_ROOT = 'taynode-results';

export function defaultOut(command: string): string {
  return join(DEFAULT_RESULTS_ROOT, command);
}

export function forceOption(): Option {
  return new Option(
    '--force',
    'write into a non-empty --out that is not a previous output of this command (the files already there are kept, except those of the names this run writes)',
  );
}

/**
 * Creates `dir` and writes and removes a probe file in it: fails now, not after an hour of training.
 * `given` is the path the user typed (named in the error when `dir` was derived from it).
 */
export function checkWritable(dir: string, option = '--out', given = dir): void {
  let step = `cannot create the folder ${dir}`;
  try {
    mkdirSync(dir, { recursive: true });
    step = `cannot create a file in ${dir}`;
    const probe = join(dir, `.taynode-write-test-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (e) {
    throw new OutputError(`${option} ${given}: not writable: ${step} (${reason(e)})`);
  }
}

/** The system's reason without the path it names again, e.g. "ENOENT: no such file or directory". */
function reason(e: unknown): string {
  const message = (e as Error).message ?? String(e);
  const code = (e as NodeJS.ErrnoException).code;
  return code && message.startsWith(`${code}:`) ? message.split(',')[0] : message;
}

/**
 * A file the user names by path (--json): it must not be a folder, and its folder must be writable
 * (created if missing), checked before the work.
 */
export function checkFilePath(path: string, option: string): void {
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new OutputError(`${option} ${path}: is a folder; name the file to write, e.g. ${join(path, 'results.json')}`);
  }
  checkWritable(dirname(resolve(path)), option, path);
}

/** The current folder or one of its parents: results there would be swapped with the folder in use. */
function holdsCurrentFolder(dir: string): boolean {
  const real = (p: string) => (existsSync(p) ? realpathSync(p) : resolve(p));
  const target = real(dir);
  const cwd = real(process.cwd());
  return cwd === target || cwd.startsWith(target.endsWith(sep) ? target : target + sep);
}

export interface OutputDirOptions {
  /** the command writing the folder, recorded in its marker (e.g. 'toy') */
  command: string;
  /** write into a non-empty folder that is not a previous output of `command` */
  force?: boolean;
  /** the option named in errors */
  option?: string;
}

/** Writes `data` to `path` through a temporary file in the same folder and a rename (atomic on one file system). */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  try {
    writeFileSync(temporary, data);
    renameSync(temporary, path);
  } finally {
    rmSync(temporary, { force: true });
  }
}

/**
 * A run's output folder: files are written into a staging folder beside it, and `commit` swaps the
 * staging folder in for the old one. Until then the old results stay whole.
 */
export class OutputDir {
  readonly staging: string;
  readonly command: string;
  /** the entries of the existing folder this command wrote before (replaced at commit) */
  private readonly previous: ReadonlySet<string>;

  constructor(
    readonly dir: string,
    options: OutputDirOptions,
  ) {
    const { command, force = false, option = '--out' } = options;
    this.command = command;
    if (holdsCurrentFolder(dir)) {
      throw new OutputError(
        `${option} ${dir}: is the current folder or one of its parents; the results need a folder of their own (e.g. ${defaultOut(command)})`,
      );
    }
    const parent = dirname(resolve(dir));
    checkWritable(parent, option, dir);
    removeStaleStaging(parent, basename(resolve(dir)), dir); // (may put back a folder a killed run moved aside)
    this.previous = previousOutput(dir, command, force, option);
    if (existsSync(dir)) checkWritable(dir, option);
    this.staging = join(parent, `.${basename(resolve(dir))}.partial-${process.pid}`);
    rmSync(this.staging, { recursive: true, force: true });
    mkdirSync(this.staging, { recursive: true });
    // A crash must not leave the staging folder beside the results ('exit' runs after an uncaught
    // error too). Signals are not caught: training is synchronous, so a handler would only run once
    // it ended, and Ctrl-C must stop a run at once; their leftovers are removed by the next run.
    process.once('exit', this.abandonOnExit);
  }

  private readonly abandonOnExit = (): void => this.abandon();

  /** Where to write `name` now (inside the staging folder). */
  path(name: string): string {
    return join(this.staging, name);
  }

  /** Where `name` will be once committed. */
  finalPath(name: string): string {
    return join(this.dir, name);
  }

  write(name: string, data: string | Uint8Array): string {
    const p = this.path(name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, data);
    return this.finalPath(name);
  }

  /**
   * A file the user placed by path (e.g. --json): inside the folder it is staged with the rest, so
   * nothing to check; elsewhere its own folder must be writable now, before the work.
   */
  checkFile(path: string, option: string): void {
    try {
      if (this.inside(path) === undefined) checkFilePath(path, option);
      else if (existsSync(path) && statSync(path).isDirectory()) checkFilePath(path, option);
    } catch (e) {
      this.abandon(); // the run will not happen: leave no staging folder
      throw e;
    }
  }

  /** Where such a file is written now: its staged path when inside the folder, else the path itself. */
  pathFor(path: string): string {
    const name = this.inside(path);
    return name === undefined ? path : this.path(name);
  }

  /** Writes such a file: staged when inside the folder (it appears at commit), else atomically in place now. */
  writeFile(path: string, data: string | Uint8Array): string {
    const name = this.inside(path);
    if (name !== undefined) return this.write(name, data);
    writeFileAtomic(path, data);
    return path;
  }

  /** `path` relative to the folder when it lies inside it. */
  private inside(path: string): string | undefined {
    const rel = relative(resolve(this.dir), resolve(path));
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : undefined;
  }

  /**
   * Swaps the staged files in for this command's previous ones (old folder moved aside), carries the
   * files it did not write over into the new folder, then removes what is left of the old one.
   */
  commit(): void {
    const files = readdirSync(this.staging).filter((f) => f !== MARKER);
    writeMarker(this.staging, { command: this.command, files });
    const old = `${this.staging}.old`;
    rmSync(old, { recursive: true, force: true });
    const hadOld = existsSync(this.dir);
    if (hadOld) renameSync(this.dir, old);
    try {
      renameSync(this.staging, this.dir);
    } catch (e) {
      if (hadOld) renameSync(old, this.dir); // the previous results back in place
      throw e;
    }
    if (hadOld) carryOver(old, this.dir, this.previous);
    rmSync(old, { recursive: true, force: true });
    process.off('exit', this.abandonOnExit);
  }

  /** Drops the staged files (the previous results stay). */
  abandon(): void {
    rmSync(this.staging, { recursive: true, force: true });
    process.off('exit', this.abandonOnExit);
  }
}

/**
 * The entries of an existing `dir` that `command` wrote before; refuses a non-empty folder that is not
 * its previous output unless `force` (then nothing in it counts as the command's: all of it is kept).
 */
function previousOutput(dir: string, command: string, force: boolean, option: string): ReadonlySet<string> {
  if (!existsSync(dir)) return new Set();
  if (!statSync(dir).isDirectory()) throw new OutputError(`${option} ${dir}: is a file, not a folder`);
  const entries = readdirSync(dir);
  if (entries.length === 0) return new Set();
  const marker = readMarker(dir);
  if (marker?.command === command) return new Set(marker.files);
  if (force) return new Set();
  const whose = marker
    ? `holds the output of taynode ${marker.command}`
    : `is not empty and is not an output of taynode ${command} (it has no ${MARKER})`;
  throw new OutputError(
    `${option} ${dir}: ${whose}; choose a new or empty folder, or pass --force to write into it (what is there is kept, except files of the names this run writes)`,
  );
}

/** Moves every entry of `from` that is not in `ours` (nor the marker) into `to`, unless `to` has one of that name. */
function carryOver(from: string, to: string, ours: ReadonlySet<string>): void {
  for (const entry of readdirSync(from)) {
    if (entry === MARKER || ours.has(entry) || existsSync(join(to, entry))) continue;
    renameSync(join(from, entry), join(to, entry));
  }
}

/**
 * Staging folders of `name` left by runs whose process is gone (killed by a signal, or the machine
 * stopped). A run killed inside `commit` left the previous folder as `….old`: with no folder, it is
 * put back; beside the new folder, the entries not yet carried over are (nothing of it is deleted
 * that the new folder does not replace).
 */
function removeStaleStaging(parent: string, name: string, dir: string): void {
  const prefix = `.${name}.partial-`;
  for (const entry of readdirSync(parent)) {
    if (!entry.startsWith(prefix)) continue;
    const isOld = entry.endsWith('.old');
    const pid = Number(entry.slice(prefix.length).replace(/\.old$/, ''));
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || processAlive(pid)) continue;
    if (isOld && !existsSync(dir)) {
      renameSync(join(parent, entry), dir);
      continue;
    }
    if (isOld) carryOver(join(parent, entry), dir, new Set());
    rmSync(join(parent, entry), { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}
