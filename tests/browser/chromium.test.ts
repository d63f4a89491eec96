// The ESM bundle in a real browser: Debian's Chromium driven by playwright-core, page and module worker.
// Without /usr/bin/chromium the test fails under CI (which installs it) and is skipped, loudly, elsewhere.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { serveBundle } from './fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium package`);
if (!available) console.warn(`\n  [skipped] browser test: ${CHROMIUM} not found (apt-get install chromium)\n`);

const run = available ? test : test.skip;

run('bundle instantiates and computes in a page and in a module worker', async () => {
  const { server, origin } = await serveBundle(new URL('../../build/index.js', import.meta.url));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(origin + '/');
    await page.waitForFunction(() => (window as unknown as { __taynode?: unknown }).__taynode !== undefined, null, { timeout: 20_000 });
    const outcome = await page.evaluate(() => (window as unknown as { __taynode: { page?: number[]; worker?: number[]; error?: string } }).__taynode);
    assert.is(outcome.error, undefined, outcome.error);
    assert.equal(outcome.page, [19, 22, 43, 50]);
    assert.equal(outcome.worker, [19, 22, 43, 50]);
  } finally {
    await browser.close();
    server.close();
  }
});

test.run();
