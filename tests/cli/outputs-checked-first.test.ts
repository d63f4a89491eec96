// The experiment commands (toy, mnist, latent, cnf) write under --out, by default
// taynode-results/<command> in the current directory, with --json defaulting into it; an unusable
// --out or --json (unwritable, a folder as --json, a folder of the user's or the current folder as
// --out) fails with an OutputError naming the option before anything is loaded, trained or printed,
// and leaves no file behind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Command } from 'commander';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerCnfCommand } from '../../packages/cli/src/commands/cnf.js';
import { registerLatentCommand } from '../../packages/cli/src/commands/latent.js';
import { registerMnistCommand } from '../../packages/cli/src/commands/mnist.js';
import { registerToyCommand } from '../../packages/cli/src/commands/toy.js';
import { OutputError } from '../../packages/cli/src/output.js';

const COMMANDS = {
  toy: registerToyCommand,
  mnist: registerMnistCommand,
  latent: registerLatentCommand,
  cnf: registerCnfCommand,
};

const root = mkdtempSync(join(tmpdir(), 'taynode-outputs-'));
// A regular file: nothing can be created beneath it, whoever runs the test (root included).
const blocker = join(root, 'a-file');
writeFileSync(blocker, 'not a folder');
// A folder as --json; a folder of the user's (not an output of the command) as --out.
const aFolder = join(root, 'a-folder');
mkdirSync(aFolder);
const userFolder = join(root, 'user');
mkdirSync(userFolder);
writeFileSync(join(userFolder, 'keep.txt'), 'x');

function program(): Command {
  const p = new Command().exitOverride();
  for (const register of Object.values(COMMANDS)) register(p);
  return p;
}

const option = (command: string, long: string) =>
  program()
    .commands.find((c) => c.name() === command)!
    .options.find((o) => o.long === long)!;

for (const command of Object.keys(COMMANDS)) {
  test(`${command}: --out defaults to taynode-results/${command}, --json into it`, () => {
    if (command === 'cnf') {
      // cnf's default depends on --dataset (taynode-results/cnf or taynode-results/cnf-<dataset>): its help says so
      assert.is(option(command, '--out').defaultValue, undefined);
      assert.match(option(command, '--out').description, `default ${join('taynode-results', 'cnf')}`);
    } else {
      assert.is(option(command, '--out').defaultValue, join('taynode-results', command));
    }
    assert.is(option(command, '--json').defaultValue, undefined, 'no fixed path: the JSON goes into --out');
    assert.match(option(command, '--json').description, 'in --out');
  });

  const cases = [
    ['--out', join(blocker, 'out'), 'an unwritable', 'not writable'],
    ['--json', join(blocker, 'sub', 'x.json'), 'an unwritable', 'not writable'],
    ['--json', aFolder, 'a folder as', 'is a folder'],
    ['--out', userFolder, 'a non-empty folder it did not write as', 'is not an output of'],
    ['--out', '.', 'the current folder as', 'is the current folder'],
  ] as const;
  for (const [flag, path, what, reason] of cases) {
    test(`${command}: ${what} ${flag} fails with an OutputError before anything runs`, async () => {
      const out = join(root, `${command}-${flag.slice(2)}`);
      const args = flag === '--out' ? ['--out', path] : ['--out', out, '--json', path];
      const printed: unknown[] = [];
      const log = console.log;
      console.log = (...a: unknown[]) => {
        printed.push(a);
      };
      let error: unknown;
      try {
        // (one iteration: were the check late, the run would finish, print its results, and fail below)
        await program().parseAsync([command, ...args, '--iterations', '1', '--no-progress'], { from: 'user' });
      } catch (e) {
        error = e;
      } finally {
        console.log = log;
      }
      assert.ok(error instanceof OutputError, `expected an OutputError, got ${String(error)}`);
      assert.ok((error as Error).message.startsWith(`${flag} `), (error as Error).message);
      assert.match((error as Error).message, reason);
      assert.equal(printed, [], 'nothing printed: no data loaded, no training started');
      assert.equal(
        readdirSync(root).filter((f) => f.includes('partial')),
        [],
        'no staging folder left behind',
      );
      assert.equal(readdirSync(userFolder), ['keep.txt'], "the user's folder is untouched");
    });
  }
}

test.after(() => rmSync(root, { recursive: true, force: true }));

test.run();
