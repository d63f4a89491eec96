// Every link in the README and the other Markdown documents resolves: relative links and images name
// files tracked in the repository, #anchors name a heading, web links are only to the npm registry;
// file paths quoted in the prose (`src/…`, `bench/results/…`) exist too, except what a build or a run
// creates. The Markdown a package ships (npm shows its README; docs/ travels with it) links only to
// files in the same tarball, as `npm pack --dry-run` lists them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tracked = new Set(execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean));
const trackedDir = (p: string) => [...tracked].some((f) => f.startsWith(p.replace(/\/?$/, '/')));
/** The generated API reference (docs/api/) is TypeDoc's: its links and anchors are TypeDoc's own, validated by `npm run docs:check`. */
const generated = (doc: string) => doc.startsWith('docs/api/');
const WRITTEN = [...tracked].filter((f) => f.endsWith('.md') && !generated(f)).sort();
/** Paths the prose names that a build or a run makes, or that belong to other projects. */
const MADE_OR_ELSEWHERE = [/^build\//, /^node_modules\//, /^taynode-results\//, /^lib\/toy_data\.py$/];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
const prose = (markdown: string) => markdown.replace(/```[\s\S]*?```/g, '');
const read = (doc: string) => readFileSync(join(root, doc), 'utf8');

/** The target of every Markdown link and image outside code. */
function links(markdown: string): string[] {
  const text = prose(markdown).replace(/`[^`]*`/g, '');
  return [...text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]);
}

/** The repository path a relative link of `doc` names (its #anchor dropped). */
const resolve = (doc: string, target: string) => normalize(join(dirname(doc), decodeURI(target.split('#')[0])));
const isRelative = (target: string) => !/^[a-z]+:/i.test(target) && !target.startsWith('#');

/** The files of the package in `dir` as `npm pack` would put them in its tarball. */
function packed(dir: string): string[] {
  const out = execFileSync(
    process.platform === 'win32' ? 'npm.cmd' : 'npm',
    ['pack', '--dry-run', '--json', '--ignore-scripts'],
    { cwd: join(root, dir), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return (JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
}

test('the documents hold links to check (the pattern finds the images and the docs/ pages)', () => {
  const all = WRITTEN.flatMap((doc) => links(read(doc)));
  assert.ok(all.filter((l) => l.endsWith('.png')).length >= 10);
  assert.ok(links(read('README.md')).filter((l) => l.startsWith('docs/')).length >= 10);
  assert.ok(WRITTEN.includes('docs/experiments/mnist.md') && WRITTEN.includes('packages/cli/README.md'));
});

test('README.md is short and starts with the quick start: at most 300 lines, its first code within the first 40', () => {
  const lines = read('README.md').split('\n');
  assert.ok(lines.length <= 300, `${lines.length} lines`);
  const firstTs = lines.findIndex((l) => l.startsWith('```ts'));
  assert.ok(firstTs >= 0 && firstTs < 40, `the first TypeScript block starts on line ${firstTs + 1}`);
});

test('README.md gives the commands for the main job and the tests, as written', () => {
  const readme = read('README.md');
  assert.ok(readme.includes('npm ci && npm run build && node build/cli.js mnist'));
  assert.ok(readme.includes('npm ci && npm test'));
});

for (const doc of WRITTEN) {
  test(`${doc}: every link resolves`, () => {
    const markdown = read(doc);
    const anchorsOf = (file: string) =>
      new Set([...prose(read(file)).matchAll(/^#+\s+(.*)$/gm)].map((m) => slug(m[1])));
    const broken: string[] = [];
    for (const target of links(markdown)) {
      if (/^https?:/.test(target)) {
        if (!target.startsWith('https://www.npmjs.com/package/'))
          broken.push(`${target} (a web link outside the repository)`);
      } else if (target.startsWith('#')) {
        if (!anchorsOf(doc).has(target.slice(1))) broken.push(`${target} (no such heading)`);
      } else {
        const path = resolve(doc, target);
        if (!tracked.has(path) && !trackedDir(path)) broken.push(`${target} (${path} is not a tracked file)`);
        else if (
          target.includes('#') &&
          path.endsWith('.md') &&
          !generated(path) &&
          !anchorsOf(path).has(target.split('#')[1])
        ) {
          broken.push(`${target} (no such heading in ${path})`);
        }
      }
    }
    assert.equal(broken, []);
  });
}

test('README.md and docs/: every file path quoted in the prose exists in the repository', () => {
  // The design notes name planned paths too; the changelog names paths that were.
  const quoting = WRITTEN.filter(
    (doc) => doc === 'README.md' || (doc.startsWith('docs/') && doc !== 'docs/design-notes.md'),
  );
  const quoted = quoting
    .flatMap((doc) => [...prose(read(doc)).matchAll(/`([^`\s]+)`/g)].map((m) => m[1]))
    .filter(
      (p) =>
        p.includes('/') &&
        /\.(md|ts|mjs|cjs|js|json|png|svg|sh|py|wasm|safetensors)$/.test(p) &&
        !p.startsWith('taynode/'),
    );
  assert.ok(quoted.length >= 10, `found ${quoted.length} quoted paths`);
  const missing = quoted.filter((p) => !MADE_OR_ELSEWHERE.some((r) => r.test(p)) && !tracked.has(p) && !trackedDir(p));
  assert.equal(missing, []);
});

for (const dir of ['.', 'packages/cli']) {
  test(`the ${dir === '.' ? 'library' : dir} tarball: every relative link of the Markdown it ships names a file in it`, () => {
    const files = packed(dir);
    const shipped = files.filter((f) => f.endsWith('.md'));
    assert.ok(shipped.includes('README.md'), 'the README is shipped');
    const broken: string[] = [];
    for (const doc of shipped) {
      for (const target of links(read(join(dir, doc))).filter(isRelative)) {
        const path = resolve(doc, target);
        if (!files.includes(path)) broken.push(`${doc} → ${target} (${path} is not in the tarball)`);
      }
    }
    assert.equal(broken, []);
  });
}

test.run();
