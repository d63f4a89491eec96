// Every link in the README (and the other published Markdown) resolves: relative links and images name
// files tracked in the repository, #anchors name a heading, web links are only to the npm registry;
// file paths quoted in the prose (`src/…`, `bench/results/…`) exist too, except what a build or a run
// creates.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tracked = new Set(execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean));
const trackedDir = (p: string) => [...tracked].some((f) => f.startsWith(p.replace(/\/?$/, '/')));
const DOCS = ['README.md', 'CHANGELOG.md', 'packages/cli/README.md'];
/** Paths the prose names that a build or a run makes, or that belong to other projects. */
const MADE_OR_ELSEWHERE = [/^build\//, /^node_modules\//, /^taynode-results\//, /^lib\/toy_data\.py$/];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
const prose = (markdown: string) => markdown.replace(/```[\s\S]*?```/g, '');

/** [target, the document it came from] of every Markdown link and image outside code blocks. */
function links(doc: string): string[] {
  const text = prose(readFileSync(join(root, doc), 'utf8')).replace(/`[^`]*`/g, '');
  return [...text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]);
}

test('the documents hold links to check (the pattern finds the images)', () => {
  assert.ok(links('README.md').filter((l) => l.endsWith('.png')).length >= 10);
});

for (const doc of DOCS) {
  test(`${doc}: every link resolves`, () => {
    const markdown = readFileSync(join(root, doc), 'utf8');
    const anchors = new Set([...prose(markdown).matchAll(/^#+\s+(.*)$/gm)].map((m) => slug(m[1])));
    const broken: string[] = [];
    for (const target of links(doc)) {
      if (/^https?:/.test(target)) {
        if (!target.startsWith('https://www.npmjs.com/package/')) broken.push(`${target} (a web link outside the repository)`);
      } else if (target.startsWith('#')) {
        if (!anchors.has(target.slice(1))) broken.push(`${target} (no such heading)`);
      } else {
        const path = normalize(join(dirname(doc), decodeURI(target.split('#')[0])));
        if (!tracked.has(path) && !trackedDir(path)) broken.push(`${target} (${path} is not a tracked file)`);
      }
    }
    assert.equal(broken, []);
  });
}

test('README.md: every file path quoted in the prose exists in the repository', () => {
  const quoted = [...prose(readFileSync(join(root, 'README.md'), 'utf8')).matchAll(/`([^`\s]+)`/g)].map((m) => m[1])
    .filter((p) => p.includes('/') && /\.(md|ts|mjs|cjs|js|json|png|svg|sh|py|wasm|safetensors)$/.test(p) && !p.startsWith('taynode/'));
  assert.ok(quoted.length >= 10, `found ${quoted.length} quoted paths`);
  const missing = quoted.filter((p) => !MADE_OR_ELSEWHERE.some((r) => r.test(p)) && !tracked.has(p) && !trackedDir(p));
  assert.equal(missing, []);
});

test.run();
