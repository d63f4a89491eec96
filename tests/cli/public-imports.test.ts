// The CLI is proof that the public API is enough: packages/cli/src imports the library only through
// its public entries ('taynode', 'taynode/infer'), never by a path into src/. Anything else it may
// import: its own files, node: builtins and the dependencies packages/cli/package.json declares.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cliSrc = join(root, 'packages/cli/src');
const PUBLIC_ENTRIES = ['taynode', 'taynode/infer'];
const cliDependencies = Object.keys(
  (
    JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    }
  ).dependencies,
);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every module specifier in `text`: static imports and re-exports, import(), require() and require.resolve(). */
function specifiers(text: string): string[] {
  const patterns = [
    /\b(?:import|export)\s[^;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]/g,
    /\brequire(?:\.resolve)?\s*\(\s*['"]([^'"]+)['"]/g,
  ];
  return patterns.flatMap((p) => [...text.matchAll(p)].map((m) => m[1]));
}

/** Why `specifier`, imported by `file`, is not allowed; undefined when it is. */
function refusal(file: string, specifier: string): string | undefined {
  if (PUBLIC_ENTRIES.includes(specifier) || specifier.startsWith('node:')) return undefined;
  if (specifier.startsWith('.')) {
    const target = resolve(dirname(file), specifier);
    return target.startsWith(cliSrc + sep) ? undefined : `reaches outside packages/cli/src (${relative(root, target)})`;
  }
  const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
  if (name === 'taynode') return `is not a public entry (use ${PUBLIC_ENTRIES.join(' or ')})`;
  return cliDependencies.includes(name) ? undefined : 'is not a dependency of packages/cli';
}

function violations(file: string, text: string): string[] {
  return specifiers(text).flatMap((s) => {
    const why = refusal(file, s);
    return why ? [`${relative(root, file)}: '${s}' ${why}`] : [];
  });
}

test('the checker refuses a deep import, an internal subpath and an undeclared package', () => {
  const file = join(cliSrc, 'commands/example.ts');
  const text = [
    "import { NeuralOde } from '../../../../src/model/neural-ode.js';",
    "import type { Dtype } from 'taynode/build/types/runtime/dtype.js';",
    "const m = await import('../../../src/index.js');",
    "import { x } from 'left-pad';",
    "import { ok } from '../output.js';",
    "import { Model } from 'taynode';",
    "import { init } from 'taynode/infer';",
    "import { Command } from 'commander';",
    "import { readFileSync } from 'node:fs';",
  ].join('\n');
  const found = violations(file, text);
  assert.is(found.length, 4, found.join('\n'));
  const all = found.join('\n');
  assert.match(all, /src\/model\/neural-ode\.js' reaches outside/);
  assert.match(all, /taynode\/build\/types\/runtime\/dtype\.js' is not a public entry/);
  assert.match(all, /src\/index\.js' reaches outside/);
  assert.match(all, /left-pad' is not a dependency/);
});

test('packages/cli/src imports the library only as taynode and taynode/infer', () => {
  const files = sourceFiles(cliSrc);
  assert.ok(files.length > 30, `expected the CLI's sources under ${cliSrc}`);
  const found = files.flatMap((f) => violations(f, readFileSync(f, 'utf8')));
  assert.equal(found, []);
  const usesPublic = files.some((f) => specifiers(readFileSync(f, 'utf8')).includes('taynode'));
  assert.ok(usesPublic, 'expected the CLI to import from taynode');
});

test("in the repository taynode and taynode/infer are the library's sources: one module instance", async () => {
  // Tests build runtimes and models from src/ and hand them to CLI code, which checks instanceof.
  const [publicEntry, publicInfer, source] = await Promise.all([
    import('taynode'),
    import('taynode/infer'),
    import('../../src/index.js'),
  ]);
  assert.is(publicEntry.NeuralOde, source.NeuralOde);
  assert.is(publicInfer.Model, source.Model);
  assert.is(publicEntry.ArgumentError, source.ArgumentError);
});

test.run();
