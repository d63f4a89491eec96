// The API reference: TypeDoc (typedoc.json: the public entries src/index.ts and src/infer.ts) writes
// Markdown to docs/api/, committed so that the README's link resolves on GitHub and in the tarball.
//   node scripts/docs.mjs           regenerate docs/api/
//   node scripts/docs.mjs --check   CI: every TypeDoc warning is an error (a broken {@link}, an exported
//                                   signature naming a type the entries do not export, …), and docs/api/
//                                   must equal a fresh generation (written to a temporary folder)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const committed = join(root, 'docs/api');
const typedoc = (args) =>
  execFileSync(process.execPath, [join(root, 'node_modules/typedoc/bin/typedoc'), ...args], {
    cwd: root,
    stdio: 'inherit',
  });

/** Every file under `dir`, as paths relative to it. */
const filesUnder = (dir) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)))
    .sort();

/** How `fresh` differs from `old`: files missing, extra or different, one line each. */
export function treeDifferences(old, fresh) {
  const a = filesUnder(old),
    b = filesUnder(fresh);
  const differences = [];
  for (const f of b) {
    if (!a.includes(f)) differences.push(`${f}: missing`);
    else if (!readFileSync(join(old, f)).equals(readFileSync(join(fresh, f)))) differences.push(`${f}: out of date`);
  }
  for (const f of a) if (!b.includes(f)) differences.push(`${f}: no longer generated`);
  return differences;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const out = mkdtempSync(join(tmpdir(), 'taynode-api-'));
    try {
      try {
        typedoc(['--treatWarningsAsErrors', '--out', out]);
      } catch {
        console.error('docs:check: TypeDoc reported the warnings above (fix the TSDoc comments or typedoc.json)');
        process.exit(1);
      }
      const differences = treeDifferences(committed, out);
      if (differences.length > 0) {
        console.error(
          `docs:check: docs/api/ is not what the TSDoc comments generate; run \`npm run docs\` and commit it:\n  ${differences.join('\n  ')}`,
        );
        process.exit(1);
      }
      console.log('docs:check: no TypeDoc warnings; docs/api/ is up to date');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  } else {
    typedoc([]);
  }
}
