// The live demo (`npm run demo`) in Debian's Chromium via playwright-core: the server script starts and
// prints its URL, the page trains both runs (λ = 0 and λ > 0) in module workers for a few dozen
// iterations (set by query parameters, so the test is quick), the loss falls, the NFE numbers are
// shown and move, the flows are drawn, and nothing is logged as an error; then a screenshot of the
// finished page is saved to a temporary file.
// Without /usr/bin/chromium the test fails under CI (which installs it) and is skipped, loudly, elsewhere.
// docs/demo.png was made by this test with more iterations:
//   DEMO_ITERATIONS=400 DEMO_SCREENSHOT=docs/demo.png node --import tsx node_modules/uvu/bin.js tests/browser demo.test.ts
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium package`);
if (!available) console.warn(`\n  [skipped] browser demo test: ${CHROMIUM} not found (apt-get install chromium)\n`);

const run = available ? test : test.skip;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ITERATIONS = Number(process.env.DEMO_ITERATIONS ?? 40);

interface Progress {
  iteration: number;
  loss: number;
  dataLoss: number;
  r: number;
  nfeForward: number;
  nfeBackward: number;
}
interface RunState {
  lambda: number;
  done: boolean;
  history: Progress[];
  snapshot: { iteration: number; accuracy: number; nfe: number; evals: unknown[] } | null;
}
interface DemoState {
  done: boolean;
  errors: string[];
  runs: { base: RunState; reg: RunState };
}

/** `node scripts/demo.mjs --port 0`, resolved with its printed URL. */
function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'scripts/demo.mjs'), '--port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '',
      err = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`demo server printed no URL in 10 s: ${out}${err}`));
    }, 10_000);
    child.stderr!.on('data', (d) => {
      err += d;
    });
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[0] });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`demo server exited (${code}): ${out}${err}`));
    });
  });
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

run('the demo page trains λ = 0 and λ > 0 side by side and shows loss and NFE live', async () => {
  const { child, url } = await startServer();
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
  const dir = mkdtempSync(join(tmpdir(), 'taynode-demo-'));
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request: ${r.url()} ${r.failure()?.errorText}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });

    // Every iteration count the table shows, collected in the page as it changes: "the numbers move"
    // then does not depend on when this process happens to look (it failed once at load 8).
    await page.addInitScript(`window.__shownIterations = new Set();
      document.addEventListener('DOMContentLoaded', () => {
        const record = () => document.querySelectorAll('#row-base td[data-field="iteration"], #row-reg td[data-field="iteration"]')
          .forEach((c) => window.__shownIterations.add(c.textContent));
        new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
      });`);
    await page.goto(`${url}?iterations=${ITERATIONS}&every=10&batch=128&paths=16&lambda=0.05&order=2`);
    const timeout = 30_000 * Math.max(1, ITERATIONS / 40);
    // Part-way: the numbers are on the page as text.
    await page.waitForFunction(
      () => {
        const s = (window as unknown as { __demo?: DemoState }).__demo;
        return !!s && (s.runs.base?.history.length ?? 0) >= 10 && (s.runs.reg?.history.length ?? 0) >= 10;
      },
      null,
      { timeout },
    );
    await page.waitForFunction(
      () => document.body.dataset.state === 'done' || document.body.dataset.state === 'error',
      null,
      { timeout },
    );
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));

    // (strings, not functions: tsx's transform would add helpers the page does not have)
    const state = (await page.evaluate(`(() => {
      const s = window.__demo;
      const strip = (r) => ({ lambda: r.lambda, done: r.done, history: r.history,
        snapshot: r.snapshot && { iteration: r.snapshot.iteration, accuracy: r.snapshot.accuracy, nfe: r.snapshot.nfe, evals: [] } });
      return { done: s.done, errors: s.errors, runs: { base: strip(s.runs.base), reg: strip(s.runs.reg) } };
    })()`)) as DemoState;
    assert.equal(state.errors, [], 'no training errors');
    assert.ok(state.done, 'both runs finished');
    assert.is(state.runs.base.lambda, 0);
    assert.is(state.runs.reg.lambda, 0.05);

    for (const key of ['base', 'reg'] as const) {
      const { history, snapshot } = state.runs[key];
      assert.is(history.length, ITERATIONS, `${key}: every iteration reported`);
      assert.equal(
        history.map((h) => h.iteration),
        Array.from({ length: ITERATIONS }, (_, i) => i + 1),
        `${key}: iterations in order`,
      );
      const first = mean(history.slice(0, 5).map((h) => h.dataLoss)),
        last = mean(history.slice(-5).map((h) => h.dataLoss));
      assert.ok(last < 0.8 * first, `${key}: the cross-entropy falls (${first} → ${last})`);
      assert.ok(
        history.every((h) => Number.isInteger(h.nfeForward) && h.nfeForward >= 8),
        `${key}: the NFE are counts`,
      );
      assert.ok(new Set(history.map((h) => h.nfeForward)).size > 1, `${key}: the NFE move during training`);
      assert.is(snapshot?.iteration, ITERATIONS, `${key}: the final flow is drawn`);

      // The numbers as text: the table's last row equals the last progress message.
      const cell = (field: string) => page.locator(`#row-${key} td[data-field="${field}"]`).textContent();
      assert.is(await cell('iteration'), String(ITERATIONS), `${key}: iteration shown`);
      assert.is(await cell('nfeForward'), String(history.at(-1)!.nfeForward), `${key}: NFE shown`);
      assert.ok(/^\d+(\.\d+)? %$/.test((await cell('accuracy'))!), `${key}: accuracy shown`);
      assert.ok(
        /NFE \d+/.test((await page.locator(`#caption-${key}`).textContent())!),
        `${key}: the caption names the NFE`,
      );
    }
    const shown = (await page.evaluate(
      '[...window.__shownIterations].filter((t) => /^\\d+$/.test(t)).length',
    )) as number;
    assert.ok(shown >= 3, `the numbers on the page update while training (${shown} iteration counts shown)`);
    assert.match((await page.locator('#status').textContent())!, /^done: /);

    // Every canvas has something drawn on it (not blank).
    const inked = (await page.evaluate(`[...document.querySelectorAll('canvas')].map((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return [c.id, n];
    })`)) as [string, number][];
    assert.is(inked.length, 4);
    for (const [id, n] of inked) assert.ok(n > 2000, `canvas ${id} is drawn on (${n} pixels)`);

    assert.equal(problems, [], 'no console errors, page errors or failed requests');
    const shot = process.env.DEMO_SCREENSHOT ?? join(dir, 'demo.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000, 'a screenshot of the finished page');
  } finally {
    await browser.close();
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
