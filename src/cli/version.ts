// The CLI's --version: read from the package.json beside build/ (build/cli.js → ../package.json), the
// same file in a clone and in an installed package, so the number is never copied by hand.
import { readFileSync } from 'node:fs';

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name?: string; version?: string };
  if (pkg.name !== 'taynode' || typeof pkg.version !== 'string') throw new Error(`cli: ${new URL('../package.json', import.meta.url).pathname} is not taynode's package.json`);
  return pkg.version;
}
