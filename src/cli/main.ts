// The `taynode` command line: one sub-command per file in ./commands.
import { Command } from 'commander';
import { registerKernelsCommand } from './commands/kernels.js';
import { registerSolverOrderCommand } from './commands/solver-order.js';
import { registerToyCommand } from './commands/toy.js';

const program = new Command()
  .name('taynode')
  .description('Neural ODEs that are easy to solve: Taylor-mode regularisation, adaptive Runge–Kutta, WASM SIMD kernels')
  .showHelpAfterError();

registerKernelsCommand(program);
registerSolverOrderCommand(program);
registerToyCommand(program);

await program.parseAsync(process.argv);
