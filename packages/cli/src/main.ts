// The `taynode` command line (the program itself: ./program.ts).
import { TaynodeError } from 'taynode';
import { createProgram } from './program.js';

try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  // Our typed errors already say what went wrong and where; a stack trace would bury that.
  if (!(error instanceof TaynodeError)) throw error;
  console.error(`taynode: ${error.name}: ${error.message}`);
  process.exitCode = 1;
}
