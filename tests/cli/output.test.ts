// Command outputs: --out is proven writable before work starts, results are swapped in whole (an
// interrupted run leaves the old ones), single files are written atomically, and progress without a
// terminal is plain lines.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkWritable, defaultOut, OutputDir, OutputError, writeFileAtomic } from '../../packages/cli/src/output.js';
import { createProgress } from '../../packages/cli/src/progress.js';
import { MARKER, readMarker } from '../../packages/cli/src/output-marker.js';

const root = mkdtempSync(join(tmpdir(), 'taynode-output-'));

test('the default is taynode-results/<command> in the current directory', () => {
  assert.is(defaultOut('mnist'), join('taynode-results', 'mnist'));
});

test('an unwritable --out fails at once, naming the option', () => {
  const locked = join(root, 'locked');
  writeFileSync(locked, 'a file, not a folder');
  assert.throws(
    () => checkWritable(join(locked, 'sub')),
    (e: unknown) => e instanceof OutputError && e.message.startsWith(`--out ${join(locked, 'sub')}: not writable`),
  );
  assert.throws(
    () => new OutputDir(join(locked, 'x'), { command: 'test', option: '--dir' }),
    (e: unknown) => e instanceof OutputError && e.message.startsWith('--dir'),
  );
  if (process.getuid?.() !== 0) {
    // (root may write anywhere, so this half only means something for other users)
    const ro = join(root, 'ro');
    checkWritable(ro);
    chmodSync(ro, 0o500);
    assert.throws(() => checkWritable(ro), OutputError);
    chmodSync(ro, 0o700);
  }
});

test('OutputDir: the old results stay whole until commit; commit swaps the new ones in; abandon keeps the old', () => {
  const dir = join(root, 'results');
  const first = new OutputDir(dir, { command: 'test' });
  first.write('a.json', 'old a');
  first.write('b.svg', 'old b');
  first.commit();
  const second = new OutputDir(dir, { command: 'test' });
  assert.is(second.write('a.json', 'new a'), join(dir, 'a.json'));
  assert.is(readFileSync(join(dir, 'a.json'), 'utf8'), 'old a', 'not visible before commit');
  second.abandon(); // an interrupted run
  assert.equal(readdirSync(dir).sort(), [MARKER, 'a.json', 'b.svg']);
  assert.is(readFileSync(join(dir, 'a.json'), 'utf8'), 'old a');
  const third = new OutputDir(dir, { command: 'test' });
  third.write('a.json', 'new a');
  third.commit();
  assert.equal(readdirSync(dir).sort(), [MARKER, 'a.json'], 'no stale file from the previous run');
  assert.equal(
    readdirSync(root).filter((f) => f.includes('partial')),
    [],
    'no staging folder left',
  );
});

test("a crashed run removes its staging folder; a killed one's is removed by the next run; the old results stay", () => {
  const dir = join(root, 'interrupted');
  const first = new OutputDir(dir, { command: 'test' });
  first.write('a.json', 'old a');
  first.commit();
  const module = new URL('../../packages/cli/src/output.ts', import.meta.url).href;
  const endings: Record<string, string> = {
    crash: "throw new Error('training failed')",
    // (no handler: training is synchronous, and a signal must stop it at once)
    SIGINT: "process.kill(process.pid, 'SIGINT'); setTimeout(() => {}, 10000)",
    SIGTERM: "process.kill(process.pid, 'SIGTERM'); setTimeout(() => {}, 10000)",
  };
  for (const [how, ending] of Object.entries(endings)) {
    const script = `import { OutputDir } from ${JSON.stringify(module)};\nconst out = new OutputDir(${JSON.stringify(dir)}, { command: 'test' });\nout.write('a.json', 'new a');\nconsole.log(out.staging);\n${ending};\n`;
    // output.ts imports 'taynode' (the library's sources here), so the child needs the wasm loader too.
    const wasmLoader = new URL('../setup/register-wasm-loader.mjs', import.meta.url).href;
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--import', wasmLoader, '--input-type=module', '-e', script],
      { encoding: 'utf8', timeout: 30000 },
    );
    const staging = child.stdout.trim();
    assert.ok(staging.includes('partial'), `${how}: the child staged its files (${child.stderr})`);
    assert.is(readFileSync(join(dir, 'a.json'), 'utf8'), 'old a', `${how}: the old results stay`);
    if (how === 'crash') {
      assert.is(child.status, 1, 'the error still ends the process with a failure');
      assert.not.ok(existsSync(staging), 'crash: no staging folder left');
    } else {
      assert.is(child.signal, how, `${how}: the process ends by the signal`);
      const alive = join(root, `.interrupted.partial-${process.ppid}`); // a live process's run: kept
      mkdirSync(alive, { recursive: true });
      const next = new OutputDir(dir, { command: 'test' });
      assert.not.ok(existsSync(staging), `${how}: the next run removed the dead run's staging folder`);
      assert.ok(existsSync(alive), `${how}: a live process's staging folder is left alone`);
      next.abandon();
      rmSync(alive, { recursive: true });
    }
  }
});

test("a run killed between commit's two renames: the next run puts the previous results back rather than removing them", () => {
  const dir = join(root, 'mid-commit');
  const first = new OutputDir(dir, { command: 'test' });
  first.write('a.json', 'old a');
  first.commit();
  // what a process killed after moving the old folder aside and before renaming its staging leaves
  const deadPid = 2 ** 22 + 12345; // above Linux's pid_max default, so no live process has it
  const parent = join(root);
  renameSync(dir, join(parent, `.mid-commit.partial-${deadPid}.old`));
  mkdirSync(join(parent, `.mid-commit.partial-${deadPid}`));
  const next = new OutputDir(dir, { command: 'test' });
  assert.is(readFileSync(join(dir, 'a.json'), 'utf8'), 'old a', 'the previous results are back');
  assert.equal(
    readdirSync(parent).filter((f) => f.startsWith('.mid-commit.partial-') && !f.endsWith(`-${process.pid}`)),
    [],
    "the dead run's folders are gone",
  );
  next.abandon();
});

test('a file placed by path (--json): staged when inside --out, written in place when outside; an unwritable one fails now', () => {
  const dir = join(root, 'placed');
  const out = new OutputDir(dir, { command: 'test' });
  const inside = join(dir, 'sub', 'r.json');
  const outside = join(root, 'elsewhere', 'r.json');
  out.checkFile(inside, '--json');
  out.checkFile(outside, '--json');
  assert.is(out.pathFor(inside), join(out.staging, 'sub', 'r.json'));
  assert.is(out.pathFor(outside), outside);
  assert.is(out.writeFile(inside, 'in'), inside);
  assert.not.ok(existsSync(inside), 'not visible before commit');
  assert.is(out.writeFile(outside, 'out'), outside);
  assert.is(readFileSync(outside, 'utf8'), 'out', 'outside --out: written at once');
  out.commit();
  assert.is(readFileSync(inside, 'utf8'), 'in');
  const blocker = join(root, 'blocker');
  writeFileSync(blocker, '');
  const doomed = new OutputDir(join(root, 'doomed'), { command: 'test' });
  assert.throws(
    () => doomed.checkFile(join(blocker, 'r.json'), '--json'),
    (e: unknown) => e instanceof OutputError && e.message.startsWith('--json '),
  );
  assert.not.ok(existsSync(doomed.staging), 'the staging folder of a run that will not happen is removed');
});

test('a non-empty folder the command did not write is refused before any staging; --force writes into it and keeps its files', () => {
  const dir = join(root, 'mine');
  mkdirSync(dir);
  writeFileSync(join(dir, 'keep.txt'), 'x');
  assert.throws(
    () => new OutputDir(dir, { command: 'toy' }),
    (e: unknown) =>
      e instanceof OutputError &&
      e.message.startsWith(`--out ${dir}: is not empty and is not an output of taynode toy`) &&
      e.message.includes('--force'),
  );
  assert.equal(
    readdirSync(root).filter((f) => f.startsWith('.mine.partial')),
    [],
    'refused before staging',
  );
  const forced = new OutputDir(dir, { command: 'toy', force: true });
  forced.write('toy.json', 'new');
  forced.commit();
  assert.is(readFileSync(join(dir, 'keep.txt'), 'utf8'), 'x', "the user's file is kept");
  assert.is(readFileSync(join(dir, 'toy.json'), 'utf8'), 'new');
  assert.equal(readMarker(dir), { command: 'toy', files: ['toy.json'] });
  // now a previous output of toy: a re-run needs no --force, replaces toy's files and keeps the rest
  writeFileSync(join(dir, 'later.txt'), 'added by the user after the run');
  const again = new OutputDir(dir, { command: 'toy' });
  again.write('toy.svg', 'svg');
  again.commit();
  assert.equal(
    readdirSync(dir).sort(),
    [MARKER, 'keep.txt', 'later.txt', 'toy.svg'],
    "toy.json (toy's own, not rewritten) is gone; the user's files stay",
  );
});

test("another command's output is refused without --force; an empty folder is used as it is", () => {
  const dir = join(root, 'other');
  const mnist = new OutputDir(dir, { command: 'mnist' });
  mnist.write('mnist.json', '{}');
  mnist.commit();
  assert.throws(
    () => new OutputDir(dir, { command: 'toy' }),
    (e: unknown) => e instanceof OutputError && e.message.includes('holds the output of taynode mnist'),
  );
  const empty = join(root, 'empty');
  mkdirSync(empty);
  const out = new OutputDir(empty, { command: 'toy' });
  out.write('toy.json', '{}');
  out.commit();
  assert.equal(readdirSync(empty).sort(), [MARKER, 'toy.json']);
});

test('--out naming the current folder or one of its parents is refused before any work, even with --force', () => {
  const cwd = process.cwd();
  const inner = join(root, 'work', 'here');
  mkdirSync(inner, { recursive: true });
  process.chdir(inner);
  try {
    for (const dir of ['.', '..', inner, join(root, 'work'), '/']) {
      assert.throws(
        () => new OutputDir(dir, { command: 'toy', force: true }),
        (e: unknown) =>
          e instanceof OutputError && e.message.startsWith(`--out ${dir}: is the current folder or one of its parents`),
        dir,
      );
    }
    assert.equal(readdirSync(join(root, 'work')), ['here'], 'no staging folder made');
  } finally {
    process.chdir(cwd);
  }
});

test("a run killed after the swap leaves the user's files in the old folder: the next run carries them over", () => {
  const dir = join(root, 'after-swap');
  mkdirSync(dir);
  writeFileSync(join(dir, 'keep.txt'), 'x');
  const first = new OutputDir(dir, { command: 'toy', force: true });
  first.write('toy.json', 'old');
  first.commit();
  // what a process killed between commit's second rename and carrying the user's files over leaves
  const deadPid = 2 ** 22 + 54321;
  const old = join(root, `.after-swap.partial-${deadPid}.old`);
  renameSync(dir, old);
  mkdirSync(dir);
  writeFileSync(join(dir, 'toy.json'), 'new');
  writeFileSync(join(dir, MARKER), JSON.stringify({ command: 'toy', files: ['toy.json'] }));
  const next = new OutputDir(dir, { command: 'toy' });
  assert.is(readFileSync(join(dir, 'keep.txt'), 'utf8'), 'x', "the user's file is back");
  assert.is(readFileSync(join(dir, 'toy.json'), 'utf8'), 'new');
  assert.not.ok(existsSync(old));
  next.abandon();
});

test('--json naming an existing folder, or a path under a file, is refused at once', () => {
  const out = new OutputDir(join(root, 'json-checks'), { command: 'toy' });
  const folder = join(root, 'a-folder');
  mkdirSync(folder);
  assert.throws(
    () => out.checkFile(folder, '--json'),
    (e: unknown) => e instanceof OutputError && e.message.startsWith(`--json ${folder}: is a folder`),
  );
  const inside = new OutputDir(join(root, 'json-inside'), { command: 'toy' });
  mkdirSync(join(root, 'json-inside', 'sub'), { recursive: true });
  writeFileSync(join(root, 'json-inside', MARKER), JSON.stringify({ command: 'toy', files: ['sub'] }));
  assert.throws(
    () => inside.checkFile(join(root, 'json-inside', 'sub'), '--json'),
    (e: unknown) => e instanceof OutputError && e.message.includes('is a folder'),
  );
});

test('an unwritable path is named as given, with the real reason', () => {
  const file = join(root, 'plain-file');
  writeFileSync(file, '');
  assert.throws(
    () => new OutputDir(join(file, 'x'), { command: 'toy' }),
    (e: unknown) =>
      e instanceof OutputError &&
      e.message ===
        `--out ${join(file, 'x')}: not writable: cannot create the folder ${file} (EEXIST: file already exists)`,
    'names --out as given',
  );
  if (existsSync('/proc/self')) {
    assert.throws(
      () => new OutputDir('/proc/x', { command: 'toy' }),
      (e: unknown) =>
        e instanceof OutputError &&
        /^--out \/proc\/x: not writable: cannot create a file in \/proc \(ENOENT: no such file or directory\)$/.test(
          e.message,
        ),
      'the /proc case',
    );
  }
});

test('writeFileAtomic writes through a temporary name and leaves none behind', () => {
  const path = join(root, 'deep', 'x.json');
  writeFileAtomic(path, '{"a":1}');
  assert.is(readFileSync(path, 'utf8'), '{"a":1}');
  assert.equal(readdirSync(join(root, 'deep')), ['x.json']);
});

test('progress without a terminal: plain lines (no bar), throttled, and a last line at stop', () => {
  const lines: string[] = [];
  const p = createProgress({
    format: '{name} [{bar}] {value}/{total} | loss {loss} | {eta_formatted} left',
    tty: false,
    intervalMs: 60_000,
    write: (l) => lines.push(l),
  });
  p.start(10, { name: 'run', loss: '-' });
  for (let i = 1; i <= 10; i++) p.update(i, { loss: (1 / i).toFixed(2) });
  p.stop();
  assert.equal(lines, ['run 1/10 | loss 1.00', 'run 10/10 | loss 0.10']);
  assert.not.ok(existsSync(join(root, 'never')));
});

test.after(() => rmSync(root, { recursive: true, force: true }));

test.run();
