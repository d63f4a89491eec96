// Command-line arguments are validated before any work starts, and the error names the option.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Command } from 'commander';
import { registerKernelsCommand } from '../../packages/cli/src/commands/kernels.js';
import { registerSolverOrderCommand } from '../../packages/cli/src/commands/solver-order.js';
import { registerToyCommand } from '../../packages/cli/src/commands/toy.js';

/** Parses `args` as the CLI would; returns commander's error message ('' if parsing got to the action). */
async function parseError(args: string[]): Promise<string> {
  let stderr = '';
  const program = new Command().exitOverride().configureOutput({
    writeErr: (s) => {
      stderr += s;
    },
    writeOut: () => {},
  });
  registerKernelsCommand(program);
  registerSolverOrderCommand(program);
  registerToyCommand(program);
  // Every action is replaced so a valid command line does no work here.
  for (const c of program.commands) c.action(() => {});
  try {
    await program.parseAsync(args, { from: 'user' });
    return '';
  } catch {
    return stderr;
  }
}

test('bad numbers are rejected naming the option', async () => {
  const cases: [string[], RegExp][] = [
    [['kernels', '--size', 'abc'], /option '--size <n>' argument 'abc' is invalid. expected a positive integer/],
    [['kernels', '--size', '0'], /--size <n>.*positive integer/],
    [['kernels', '--seed', '1.5'], /--seed <n>.*expected an integer/],
    [['solver-order', '--rtol', 'x'], /--rtol <x>.*positive number/],
    [['solver-order', '--atol', '-1'], /--atol <x>.*positive number/],
    [['solver-order', '--max-degree', '2.5'], /--max-degree <K>.*positive integer/],
    [['toy', '--train-points', '1'], /--train-points <n>.*integer ≥ 2/],
    [['toy', '--lambdas', '0.1,,1'], /--lambdas <list>.*positive weights/],
    [['toy', '--seed', ''], /--seed <n>.*expected an integer/],
    [['toy', '--weight-decay', ''], /--weight-decay <x>.*non-negative number/],
  ];
  for (const [args, expected] of cases) assert.match(await parseError(args), expected, args.join(' '));
});

test('good values get through', async () => {
  for (const args of [
    ['kernels', '--size', '7', '--seed', '-3'],
    ['solver-order', '--rtol', '1e-4', '--atol', '1e-5', '--max-degree', '3'],
    ['toy', '--train-points', '2', '--lambdas', '0.5,2', '--seed', '0', '--weight-decay', '0'],
  ])
    assert.is(await parseError(args), '', args.join(' '));
});

test.run();
