// The demo page's text reads as prose once its markup is gone (its footer said "snapshot every every
// iterations", the option's name in <code> read as a word).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';

test('demo/index.html: no word repeated back to back in the visible text', () => {
  const html = readFileSync(new URL('../../demo/index.html', import.meta.url), 'utf8');
  const text = html
    .replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&\w+;/g, ' ');
  const doubled = [...text.matchAll(/\b([A-Za-z]+)\s+\1\b/gi)].map((m) => m[0]);
  assert.equal(doubled, []);
});

test.run();
