// The import graph's rules, checked over the sources (run in CI and by tests/package/layers.test.ts):
// - src/: every import arrow points down the layers (../shared/DESIGN.md, "Layers"); a folder may
//   import its own files and any folder below it, never one above.
// - packages/cli/src: the CLI imports the library only through its public entries, 'taynode' and
//   'taynode/infer' (the experiments are the proof that the public API is enough).
// Prints every violation with file and line; exits 1 if there is any.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const repository = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Bottom to top. `base`: the files directly in src/ (errors, random, lru-cache) and config/. */
export const LAYERS = [
  ['base', 'config'],
  ['runtime'],
  ['io'],
  ['autodiff'],
  ['taylor'],
  ['ode'],
  ['nn'],
  ['terms'],
  ['gradients'],
  ['inference'],
  ['model'],
  ['parallel'],
  ['training'],
];
/** The public entries sit above everything. */
const ENTRIES = new Set(['index.ts', 'infer.ts']);

const rank = new Map(LAYERS.flatMap((names, i) => names.map((n) => [n, i])));

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) yield path;
  }
}

/** Every module specifier of a file's static imports and re-exports, with its line. */
function specifiers(text) {
  const found = [];
  const pattern =
    /^\s*(?:import|export)\b[^;]*?\bfrom\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gms;
  for (const m of text.matchAll(pattern)) {
    const line = text.slice(0, m.index).split('\n').length + (m[0].match(/^\s*/)[0].split('\n').length - 1);
    found.push({ spec: m[1] ?? m[2] ?? m[3], line });
  }
  return found;
}

/** The problems found under a repository root (this one by default); none is an empty list. */
export function checkLayers(root = repository) {
  const problems = [];
  const src = join(root, 'src');
  /** The layer of a file under src/ ('base' for files directly in src/). */
  const layerOf = (file) => {
    const parts = relative(src, file).split(sep);
    return parts.length === 1 ? 'base' : parts[0];
  };
  for (const file of sourceFiles(src)) {
    const rel = relative(root, file);
    if (ENTRIES.has(relative(src, file))) continue;
    const from = layerOf(file);
    if (!rank.has(from)) {
      problems.push(
        `${rel}: folder src/${from} is in no layer (add it to scripts/check-layers.mjs's LAYERS where it belongs)`,
      );
      continue;
    }
    for (const { spec, line } of specifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(src + sep)) continue;
      const to = layerOf(target);
      if (to === from) continue;
      if (!rank.has(to)) problems.push(`${rel}:${line}: imports ${spec}, in src/${to}, which is in no layer`);
      else if (rank.get(to) > rank.get(from))
        problems.push(`${rel}:${line}: ${from} imports ${spec} from ${to}, a layer above it`);
    }
  }
  const cli = join(root, 'packages', 'cli', 'src');
  let cliFiles = [];
  try {
    cliFiles = [...sourceFiles(cli)];
  } catch {
    // no CLI sources (yet)
  }
  for (const file of cliFiles) {
    const rel = relative(root, file);
    for (const { spec, line } of specifiers(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (!target.startsWith(cli + sep))
          problems.push(
            `${rel}:${line}: imports ${spec}, outside packages/cli/src (the library only through 'taynode' or 'taynode/infer')`,
          );
      } else if (spec.startsWith('taynode') && spec !== 'taynode' && spec !== 'taynode/infer') {
        problems.push(`${rel}:${line}: imports ${spec}: the library only through 'taynode' or 'taynode/infer'`);
      }
    }
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problems = checkLayers();
  for (const p of problems) console.error(p);
  console.log(
    problems.length === 0
      ? 'layers: every import points down; the CLI imports only the public entries'
      : `layers: ${problems.length} violation(s)`,
  );
  process.exit(problems.length === 0 ? 0 : 1);
}
