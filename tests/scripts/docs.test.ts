// docs:check's comparison of the committed API reference with a fresh generation: every kind of
// difference is named (the TypeDoc run itself is CI's `npm run docs:check`, not repeated here).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
// @ts-expect-error: a plain ES module script without declarations
import { treeDifferences } from '../../scripts/docs.mjs';

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'taynode-docs-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

test('equal trees have no differences, nested files included', () => {
  const a = tree({ 'README.md': 'r', 'classes/Adam.md': 'a' }),
    b = tree({ 'README.md': 'r', 'classes/Adam.md': 'a' });
  assert.equal(treeDifferences(a, b), []);
  rmSync(a, { recursive: true });
  rmSync(b, { recursive: true });
});

test('a changed, a missing and a stale file are each named', () => {
  const committed = tree({ 'README.md': 'r', 'index.md': 'old', 'gone.md': 'g' });
  const fresh = tree({ 'README.md': 'r', 'index.md': 'new', 'infer/new.md': 'n' });
  assert.equal(treeDifferences(committed, fresh).sort(), [
    'gone.md: no longer generated',
    'index.md: out of date',
    'infer/new.md: missing',
  ]);
  rmSync(committed, { recursive: true });
  rmSync(fresh, { recursive: true });
});

test.run();
