// The `taynode` program: one sub-command per file in ./commands. An error in the command line is
// printed with one line pointing at that command's --help, not the whole help (which would scroll
// the error away).
import { Command } from 'commander';
import { registerKernelsCommand } from './commands/kernels.js';
import { registerMnistCommand } from './commands/mnist.js';
import { registerLatentCommand } from './commands/latent.js';
import { registerSolverOrderCommand } from './commands/solver-order.js';
import { registerToyCommand } from './commands/toy.js';
import { packageVersion } from './version.js';
import { registerCnfCommand } from './commands/cnf.js';
import { registerBeyondCommand } from './commands/beyond.js';

/** `configure` runs on the root before the sub-commands are added, so they inherit its settings (tests: exitOverride, output). */
export function createProgram(configure: (program: Command) => void = () => {}): Command {
  const program = new Command()
    .name('taynode')
    .description(
      'Neural ODEs that are easy to solve: Taylor-mode regularisation, adaptive Runge–Kutta, WASM SIMD kernels',
    )
    .version(packageVersion())
    .showHelpAfterError('(run taynode --help for the commands)');
  configure(program);
  registerKernelsCommand(program);
  registerMnistCommand(program);
  registerLatentCommand(program);
  registerSolverOrderCommand(program);
  registerToyCommand(program);
  registerCnfCommand(program);
  registerBeyondCommand(program);
  for (const command of program.commands)
    command.showHelpAfterError(`(run taynode ${command.name()} --help for its options)`);
  return program;
}
