// A WorkerPool in a real browser: Debian's Chromium (playwright-core) loads the ESM bundle in a
// cross-origin isolated page (COOP/COEP headers: SharedArrayBuffer, so the pool's default is shared
// steps), which starts 2 module Web Workers (build/pool-worker.js beside the bundle) and trains two
// steps of a Model with dopri5; the weights and losses must match the same run in Node (the bundle, one
// thread) to rounding; a worker script that does not load rejects the pool's creation. Without
// /usr/bin/chromium the test fails under CI and is skipped, loudly, elsewhere.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium package`);
if (!available) console.warn(`\n  [skipped] browser pool test: ${CHROMIUM} not found (apt-get install chromium)\n`);
const run = available ? test : test.skip;

interface Outcome {
  losses: number[];
  weights: number[];
  workers: number;
  stepSizes?: string;
  error?: string;
  missing?: string;
}

// The same script in the page (pooled) and in Node (one thread): `api` is the bundle's exports.
const training = `async (api, rt, pool) => {
  const { Rng, Model, Adam, train, softmaxCrossEntropyLoss } = api;
  const model = Model.create(rt, {
    blocks: [{ dynamics: { type: 'sequential', layers: [{ type: 'concatLinear', inputs: 2, outputs: 16 }, { type: 'activation', fn: 'tanh' }, { type: 'concatLinear', inputs: 16, outputs: 2 }] },
      terms: [{ kind: 'taylor', order: 2, lambda: 0.1 }], solver: { method: 'dopri5', rtol: 1e-6, atol: 1e-6 } }],
    head: { type: 'linear', inputs: 2, outputs: 2 },
  }, new Rng(1));
  const rng = new Rng(2);
  const inputs = new Float64Array(2 * 30).map(() => rng.normal());
  const targets = new Float64Array(30).map((_, i) => i % 2);
  const options = { model, optimizer: new Adam(rt.kernels, model.params, { lr: 0.05 }), data: { inputs, targets }, iterations: 2, batchSize: 15, rng: new Rng(3), loss: softmaxCrossEntropyLoss };
  const log = pool ? await train({ ...options, pool }) : train(options);
  return { losses: log.records.map((r) => r.loss), weights: model.params.flatMap((p) => Array.from(p.value.data)), workers: pool ? pool.size : 0, stepSizes: pool?.stepSizes };
}`;

const page = `<!doctype html><meta charset="utf-8"><script type="module">
  import * as api from '/index.js';
  try {
    // The baseline kernels on the page and in the workers: Chromium would pick the relaxed (fused
    // multiply-add) build, and the run is compared with Node's baseline one.
    const rt = await api.init({ kernels: 'baseline' });
    const pool = await api.createWorkerPool({ workers: 2, runtime: { kernels: 'baseline' } });
    const outcome = await (${training})(api, rt, pool);
    await pool.close();
    // A worker script that does not load rejects the pool's creation (no hang).
    outcome.missing = await api.createWorkerPool({ workers: 1, workerUrl: '/missing-worker.js' }).then(() => 'created', (e) => e.message);
    window.__pooled = outcome;
  } catch (e) { window.__pooled = { error: String(e && e.stack || e) }; }
</script>`;

run(
  'a 2-worker pool of module Web Workers trains two dopri5 steps in Chromium with shared steps, matching the one-thread run in Node to rounding',
  async () => {
    const files: Record<string, Buffer | string> = {
      '/': page,
      '/index.js': readFileSync(new URL('../../build/index.js', import.meta.url)),
      '/pool-worker.js': readFileSync(new URL('../../build/pool-worker.js', import.meta.url)),
    };
    const server = createServer((req, res) => {
      const body = files[req.url ?? '/'];
      if (body === undefined) res.writeHead(404).end();
      // Cross-origin isolation: the page and its workers may share memory (shared steps).
      else
        res
          .writeHead(200, {
            'content-type': req.url === '/' ? 'text/html' : 'text/javascript',
            'cross-origin-opener-policy': 'same-origin',
            'cross-origin-embedder-policy': 'require-corp',
          })
          .end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
      const tab = await browser.newPage();
      await tab.goto(origin + '/');
      await tab.waitForFunction(() => (window as unknown as { __pooled?: unknown }).__pooled !== undefined, null, {
        timeout: 60_000,
      });
      const pooled = await tab.evaluate(() => (window as unknown as { __pooled: Outcome }).__pooled);
      assert.is(pooled.error, undefined, pooled.error);
      assert.is(pooled.workers, 2);
      assert.is(pooled.stepSizes, 'shared');
      assert.match(
        pooled.missing!,
        /^worker 0: died: the worker script http:\/\/127\.0\.0\.1:\d+\/missing-worker\.js failed to load or threw$/,
      );
      const api = await import(new URL('../../build/index.js', import.meta.url).href);
      // biome-ignore lint/security/noGlobalEval: the same source the page evaluates, run here in the global scope
      // biome-ignore lint/complexity/noCommaOperator: (0, eval) is the indirect (global-scope) eval
      const single = (await (0, eval)(training)(
        api,
        api.createRuntimeSync({ kernels: 'baseline' }),
        undefined,
      )) as Outcome;
      assert.is(pooled.losses.length, 2);
      assert.is(pooled.weights.length, single.weights.length);
      const rel = (a: number[], b: number[]) =>
        Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / Math.max(...b.map(Math.abs));
      // (shared steps: the same steps as the batch solve; only the norms' sums of squares are added shard by shard)
      assert.ok(rel(pooled.losses, single.losses) < 1e-12, `losses: ${pooled.losses} vs ${single.losses}`);
      assert.ok(
        rel(pooled.weights, single.weights) < 1e-12,
        `weights differ by ${rel(pooled.weights, single.weights)}`,
      );
      assert.not.equal(single.losses[0], single.losses[1], 'the first step moved the weights');
    } finally {
      await browser.close();
      server.close();
    }
  },
);

test.run();
