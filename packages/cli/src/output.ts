// Where a command writes, and how. Outputs go to --out (default taynode-results/<command> in the
// current directory, never the package's or a repository's tracked files), which is created and
// proven writable before any training starts. Files are staged in a sibling folder and swapped in at
// the end, so an interrupted run leaves the previous results or the new ones, never a mix; a single
// file (e.g. a --json path elsewhere) is written to a temporary name and renamed.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { TaynodeError } from 'taynode';

/** An output path the command cannot use: names the option and the reason. */
export class OutputError extends TaynodeError {}

export const DEFAULT_RESULTS_ROOT = 'taynode-results';

export function defaultOut(command: string): string {
  return join(DEFAULT_RESULTS_ROOT, command);
}

/** Creates `dir` and writes and removes a probe file in it: fails now, not after an hour of training. */
export function checkWritable(dir: string, option = '--out'): void {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = join(dir, `.taynode-write-test-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (e) {
    throw new OutputError(`${option} ${dir}: not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
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

  constructor(readonly dir: string, option = '--out') {
    const parent = dirname(resolve(dir));
    checkWritable(parent, option);
    if (existsSync(dir)) checkWritable(dir, option);
    this.staging = join(parent, `.${basename(resolve(dir))}.partial-${process.pid}`);
    rmSync(this.staging, { recursive: true, force: true });
    mkdirSync(this.staging, { recursive: true });
    // A crash must not leave the staging folder beside the results ('exit' runs after an uncaught
    // error too). Signals are not caught: training is synchronous, so a handler would only run once
    // it ended, and Ctrl-C must stop a run at once; their leftovers are removed by the next run.
    process.once('exit', this.abandonOnExit);
    removeStaleStaging(parent, basename(resolve(dir)), dir);
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
    if (this.inside(path) !== undefined) return;
    try {
      checkWritable(dirname(path), option);
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

  /** Replaces the folder's contents with the staged files (old folder moved aside, then removed). */
  commit(): void {
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
 * Staging folders of `name` left by runs whose process is gone (killed by a signal, or the machine
 * stopped). A run killed inside `commit`, between its two renames, left the previous results as
 * `….old` and no folder: they are put back, not removed.
 */
function removeStaleStaging(parent: string, name: string, dir: string): void {
  const prefix = `.${name}.partial-`;
  for (const entry of readdirSync(parent)) {
    if (!entry.startsWith(prefix)) continue;
    const isOld = entry.endsWith('.old');
    const pid = Number(entry.slice(prefix.length).replace(/\.old$/, ''));
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || processAlive(pid)) continue;
    if (isOld && !existsSync(dir)) renameSync(join(parent, entry), dir);
    else rmSync(join(parent, entry), { recursive: true, force: true });
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
