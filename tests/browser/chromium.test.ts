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

interface InBrowser {
  gemm: number[];
  decay: number;
  loss: number;
  nfe: number;
  sameAfterReload: boolean;
  build: string;
  baselineLoss: number;
}

run('bundle solves, trains and reloads a model in a page and in a module worker', async () => {
  const { server, origin } = await serveBundle(new URL('../../build/index.js', import.meta.url));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage();
    await page.goto(origin + '/');
    await page.waitForFunction(() => (window as unknown as { __taynode?: unknown }).__taynode !== undefined, null, {
      timeout: 20_000,
    });
    const outcome = await page.evaluate(
      () => (window as unknown as { __taynode: { page?: InBrowser; worker?: InBrowser; error?: string } }).__taynode,
    );
    assert.is(outcome.error, undefined, outcome.error);
    for (const where of ['page', 'worker'] as const) {
      const r = outcome[where]!;
      assert.equal(r.gemm, [19, 22, 43, 50], `${where}: gemm`);
      assert.ok(Math.abs(r.decay - Math.exp(-1)) < 1e-9, `${where}: y' = −y gives e^−1, got ${r.decay}`);
      assert.ok(Number.isFinite(r.loss) && r.loss > 0, `${where}: finite positive loss, got ${r.loss}`);
      assert.ok(r.nfe >= 8, `${where}: the solver ran (NFE ${r.nfe})`);
      assert.ok(r.sameAfterReload, `${where}: a reloaded model predicts identically`);
      // Chromium validates relaxed SIMD, so the default runtime is the relaxed build; it agrees with the
      // baseline build (forced) to rounding (fused multiply-adds in the GEMMs)
      assert.is(r.build, 'relaxed', `${where}: the relaxed-SIMD build is chosen`);
      assert.ok(
        Math.abs(r.loss - r.baselineLoss) <= 1e-12 * Math.abs(r.baselineLoss),
        `${where}: relaxed loss ${r.loss} vs baseline ${r.baselineLoss}`,
      );
    }
    assert.is(outcome.page!.loss, outcome.worker!.loss, 'page and worker agree bit for bit');
  } finally {
    await browser.close();
    server.close();
  }
});

test.run();
