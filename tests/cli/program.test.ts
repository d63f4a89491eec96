// A mistake on the command line: the error and one line pointing at --help (the whole help after
// it would scroll the error away).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createProgram } from '../../packages/cli/src/program.js';

async function stderrOf(args: string[]): Promise<string> {
  let stderr = '';
  const program = createProgram((p) =>
    p.exitOverride().configureOutput({
      writeErr: (s) => {
        stderr += s;
      },
      writeOut: () => {},
    }),
  );
  for (const c of program.commands) c.action(() => {}); // a valid command line does no work here
  await program.parseAsync(args, { from: 'user' }).catch(() => {});
  return stderr;
}

test("an unknown option: the error, then one line naming the command's --help", async () => {
  const lines = (await stderrOf(['toy', '--bogus'])).trim().split('\n');
  assert.equal(lines, ["error: unknown option '--bogus'", '(run taynode toy --help for its options)']);
});

test('a bad value and an unknown command: the same two lines', async () => {
  const bad = (await stderrOf(['mnist', '--iterations', 'x'])).trim().split('\n');
  assert.is(bad.length, 2, bad.join('\n'));
  assert.is(bad[1], '(run taynode mnist --help for its options)');
  const unknown = (await stderrOf(['frobnicate'])).trim().split('\n');
  assert.is(unknown.length, 2, unknown.join('\n'));
  assert.match(unknown[0], "unknown command 'frobnicate'");
  assert.is(unknown[1], '(run taynode --help for the commands)');
});

test("every experiment command's --json help says it is the results JSON", () => {
  const program = createProgram();
  for (const name of ['toy', 'mnist', 'latent', 'cnf']) {
    const json = program.commands.find((c) => c.name() === name)!.options.find((o) => o.long === '--json')!;
    assert.match(json.description, /^where to write the results JSON/, name);
    assert.not.match(json.description, 'figures', name);
  }
});

test.run();
