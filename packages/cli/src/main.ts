// The `taynode` command line: one sub-command per file in ./commands.
import { Command } from 'commander';
import { TaynodeError } from 'taynode';
import { registerKernelsCommand } from './commands/kernels.js';
import { registerMnistCommand } from './commands/mnist.js';
import { registerLatentCommand } from './commands/latent.js';
import { registerSolverOrderCommand } from './commands/solver-order.js';
import { registerToyCommand } from './commands/toy.js';
import { packageVersion } from './version.js';
import { registerCnfCommand } from './commands/cnf.js';
import { registerBeyondCommand } from './commands/beyond.js';

const program = new Command()
  .name('taynode')
  .description('Neural ODEs that are easy to solve: Taylor-mode regularisation, adaptive Runge–Kutta, WASM SIMD kernels')
  .version(packageVersion())
  .showHelpAfterError();

registerKernelsCommand(program);
registerMnistCommand(program);
registerLatentCommand(program);
registerSolverOrderCommand(program);
registerToyCommand(program);
registerCnfCommand(program);
registerBeyondCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Our typed errors already say what went wrong and where; a stack trace would bury that.
  if (!(error instanceof TaynodeError)) throw error;
  console.error(`taynode: ${error.name}: ${error.message}`);
  process.exitCode = 1;
}
