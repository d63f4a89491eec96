// The CLI's --version: the build writes package.json's version into the bundle (esbuild's define), so
// the number is never copied by hand and holds wherever the bundle is (build/, the taynode-cli package).
// Run from the sources (tsx, packages/cli/src), it is read from the repository's package.json.
import { readFileSync } from 'node:fs';

declare const __TAYNODE_VERSION__: string | undefined;

export function packageVersion(): string {
  if (typeof __TAYNODE_VERSION__ === 'string') return __TAYNODE_VERSION__;
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  if (typeof pkg.version !== 'string') throw new Error('cli: package.json has no version');
  return pkg.version;
}
