import { TaynodeError } from 'taynode';

/** A PhysioNet file the loader cannot use: names the file and, where there is one, the line (1-based). */
export class PhysioNetFormatError extends TaynodeError {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    problem: string,
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${problem}`);
  }
}
