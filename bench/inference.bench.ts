// Inference at batch 1 (issue 24): taynode's fused layer-table path against a plain-JavaScript dopri5 of
// the same weights (bench/plain-dopri5.ts: Float64Array loops, Math.tanh) and against taynode's own
// graph path, same tolerance, same NFE, same answer (checked); one MNIST image through the 784-100-784
// dynamics; cold start (import → first answer) in fresh Node processes, in workerd and in Chromium.
// The machine is shared: the contenders run interleaved, round after round, and the medians of the
// per-round times are compared (ratios side by side, not absolute times across runs).
import { execFileSync, spawn } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { chromium } from 'playwright-core';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRuntimeSync } from '../src/runtime/wasm.js';
import { NeuralOde } from '../src/model/neural-ode.js';
import { saveModel } from '../src/model/serialize.js';
import { Rng } from '../src/random.js';
import { median } from './timing.js';
import { writeResults } from './results-file.js';
import { plainDopri5, plainMlp, type PlainLayer } from './plain-dopri5.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const TOL = 1e-6;
const ROUNDS = 25;

/** Microseconds per call over a window of ~`ms` (one round of one contender). */
function usPerCall(fn: () => void, ms = 20): number {
  let reps = 0;
  const start = performance.now();
  do {
    fn();
    reps++;
  } while (performance.now() - start < ms);
  return ((performance.now() - start) / reps) * 1000;
}

function small() {
  const rt = createRuntimeSync();
  const model = NeuralOde.create(
    rt,
    { mlp: { widths: [2, 64, 64, 2], activation: 'tanh' }, solver: { method: 'dopri5', rtol: TOL, atol: TOL } },
    new Rng(0),
  );
  const layers: PlainLayer[] = model.network.mlp!.layers.map((l) => ({
    inputs: l.inputs,
    outputs: l.outputs,
    w: l.weight.value.toFloat64Array(),
    b: l.bias.value.toFloat64Array(),
  }));
  const f = plainMlp(layers);
  const z0 = Float64Array.of(0.5, -0.25);
  const fused = model.predict(z0),
    _graph = model.predict(z0, { fastPath: false }),
    plain = plainDopri5(f, z0, 0, 1, TOL, TOL);
  if (!fused.path.fused) throw new Error(`the fused path did not serve the small model: ${fused.path.reason}`);
  if (plain.nfe !== fused.stats.nfe) throw new Error(`NFE differs: plain JS ${plain.nfe}, taynode ${fused.stats.nfe}`);
  const diff = Math.max(...Array.from(fused.z1, (v, i) => Math.abs(v - plain.y[i])));
  if (diff > 1e-9) throw new Error(`answers differ by ${diff}`);
  const times = { plain: [] as number[], fused: [] as number[], graph: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    times.plain.push(usPerCall(() => plainDopri5(f, z0, 0, 1, TOL, TOL)));
    times.fused.push(usPerCall(() => model.predict(z0)));
    times.graph.push(usPerCall(() => model.predict(z0, { fastPath: false })));
  }
  const [p, fu, g] = [median(times.plain), median(times.fused), median(times.graph)];
  console.log(
    `2-64-64-2 tanh, batch 1, dopri5 ${TOL}: NFE ${fused.stats.nfe} (both), |Δ| ${diff.toExponential(1)}; ` +
      `plain JS ${p.toFixed(1)} µs, fused ${fu.toFixed(1)} µs, graph ${g.toFixed(1)} µs (medians of ${ROUNDS} interleaved rounds)`,
  );
  return { nfe: fused.stats.nfe, plain: p, fused: fu, graph: g, diff, model };
}

function mnist(dtype: 'float64' | 'float32') {
  const rt = createRuntimeSync({ dtype });
  const model = NeuralOde.create(
    rt,
    {
      dynamics: {
        type: 'sequential',
        layers: [
          { type: 'activation', fn: 'sigmoid' },
          { type: 'concatLinear', inputs: 784, outputs: 100 },
          { type: 'activation', fn: 'sigmoid' },
          { type: 'concatLinear', inputs: 100, outputs: 784 },
        ],
      },
      solver: { method: 'dopri5', rtol: TOL, atol: TOL },
    },
    new Rng(1),
  );
  const rng = new Rng(2);
  const image = Float64Array.from({ length: 784 }, () => rng.uniform());
  const fused = model.predict(image),
    graph = model.predict(image, { fastPath: false });
  if (!fused.path.fused) throw new Error(`the fused path did not serve MNIST: ${fused.path.reason}`);
  const nfe = fused.stats.nfe;
  // multiply-adds of both layers (the time column included) ×2, per evaluation
  const flops = 2 * (785 * 100 + 101 * 784) * nfe;
  const times = { fused: [] as number[], graph: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    times.fused.push(usPerCall(() => model.predict(image), 40));
    times.graph.push(usPerCall(() => model.predict(image, { fastPath: false }), 40));
  }
  const [fu, g] = [median(times.fused), median(times.graph)];
  console.log(
    `MNIST 784-100-784 ${dtype}, one image: NFE ${nfe} (graph ${graph.stats.nfe}); fused ${(fu / 1000).toFixed(2)} ms = ${(flops / fu / 1e3).toFixed(1)} GFLOP/s, ` +
      `graph ${(g / 1000).toFixed(2)} ms = ${(flops / g / 1e3).toFixed(1)} GFLOP/s`,
  );
  return { nfe, fusedMs: fu / 1000, graphMs: g / 1000, gflops: flops / fu / 1e3, graphGflops: flops / g / 1e3 };
}

// A fresh process: import the inference entry, init from the wasm bytes, load the 2-64-64-2 file, predict.
const NODE_COLD = `
const start = performance.now();
const { init, loadModel } = await import(process.argv[1] + '/build/infer.js');
const { readFileSync } = await import('node:fs');
const rt = await init({ bytes: readFileSync(process.argv[1] + '/build/taynode.wasm') });
const { model } = loadModel(rt, readFileSync(process.argv[2]));
const z1 = model.predict(new Float64Array([0.5, -0.25])).z1;
const end = performance.now();
console.log(JSON.stringify({ ms: end - start, z1: Array.from(z1) }));
`;

function coldNode(modelPath: string, runs = 9): number {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', NODE_COLD, root, modelPath], {
      encoding: 'utf8',
    });
    ms.push(JSON.parse(out).ms);
  }
  console.log(
    `cold start, Node (import build/infer.js → init → loadModel → predict), median of ${runs}: ${median(ms).toFixed(1)} ms [${ms.map((m) => m.toFixed(1)).join(', ')}]`,
  );
  return median(ms);
}

const WORKER = `
import { init, loadModel } from './taynode.js';
import wasm from './taynode.wasm';
import model from './model.safetensors';
export default {
  async fetch(request) {
    if (new URL(request.url).pathname === '/ping') return new Response('ok');
    const rt = await init({ module: wasm });
    const { model: m } = loadModel(rt, new Uint8Array(model));
    return Response.json({ z1: Array.from(m.predict(new Float64Array([0.5, -0.25])).z1) });
  },
};`;

const capnp = (port: number) => `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "taynode.js", esModule = embed "taynode.js"),
    (name = "taynode.wasm", wasm = embed "taynode.wasm"),
    (name = "model.safetensors", data = embed "model.safetensors"),
  ],
  compatibilityDate = "2024-09-01",
);`;

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
  const start = performance.now();
  const { init, loadModel } = await import('/infer.js');
  const [rt, bytes] = await Promise.all([init({ url: '/taynode.wasm' }), fetch('/model.safetensors').then((r) => r.arrayBuffer())]);
  const { model } = loadModel(rt, new Uint8Array(bytes));
  const z1 = model.predict(new Float64Array([0.5, -0.25])).z1;
  window.__cold = { ms: performance.now() - start, z1: Array.from(z1) };
</script>`;

/**
 * Chromium (playwright-core, /usr/bin/chromium): a fresh context per run (nothing cached, every response
 * no-store) loads a page that imports build/infer.js, fetches and compiles the wasm (init({ url })) and
 * the model file in parallel, loads and predicts; the page's own clock from before the import to the answer.
 */
async function coldChromium(bytes: Uint8Array, runs = 7): Promise<number | null> {
  if (!existsSync('/usr/bin/chromium')) {
    console.log('cold start, Chromium: skipped (/usr/bin/chromium not found)');
    return null;
  }
  const files: Record<string, [string, Uint8Array | string]> = {
    '/': ['text/html', PAGE],
    '/infer.js': ['text/javascript', readFileSync(join(root, 'build/infer.js'))],
    '/taynode.wasm': ['application/wasm', readFileSync(join(root, 'build/taynode.wasm'))],
    '/model.safetensors': ['application/octet-stream', bytes],
  };
  const server = createHttpServer((req, res) => {
    const file = files[req.url ?? '/'];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file[0], 'cache-control': 'no-store' }).end(file[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const ms: number[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(origin + '/');
      await page.waitForFunction(() => (window as unknown as { __cold?: unknown }).__cold !== undefined, null, {
        timeout: 20_000,
      });
      ms.push(await page.evaluate(() => (window as unknown as { __cold: { ms: number } }).__cold.ms));
      await context.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  console.log(
    `cold start, Chromium (fresh context: import → init({ url }) ∥ fetch the model → loadModel → predict), median of ${runs}: ${median(ms).toFixed(1)} ms [${ms.map((m) => m.toFixed(1)).join(', ')}]`,
  );
  return median(ms);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * workerd: the first request's round trip (init from the compiled module binding, loadModel, predict,
 * HTTP on localhost), after a /ping that does not touch taynode answered; workerd evaluates the bundle
 * when the worker starts (before the ping) and freezes its clocks while a request runs, so the time is
 * taken from outside. A fresh workerd per run.
 */
async function coldWorkerd(bytes: Uint8Array, runs = 5): Promise<number> {
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const dir = mkdtempSync(join(tmpdir(), 'taynode-cold-'));
    const port = await freePort();
    copyFileSync(join(root, 'build/infer.js'), join(dir, 'taynode.js'));
    copyFileSync(join(root, 'build/taynode.wasm'), join(dir, 'taynode.wasm'));
    writeFileSync(join(dir, 'model.safetensors'), bytes);
    writeFileSync(join(dir, 'worker.js'), WORKER);
    writeFileSync(join(dir, 'config.capnp'), capnp(port));
    const server = spawn(join(root, 'node_modules/.bin/workerd'), ['serve', 'config.capnp'], {
      cwd: dir,
      stdio: 'ignore',
    });
    try {
      let up = false;
      for (let i = 0; i < 100 && !up; i++) {
        try {
          up = (await fetch(`http://127.0.0.1:${port}/ping`, { signal: AbortSignal.timeout(2000) })).ok;
        } catch {
          await new Promise((res) => setTimeout(res, 100));
        }
      }
      if (!up) throw new Error('workerd did not start');
      const start = performance.now();
      const body = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { z1: number[] };
      ms.push(performance.now() - start);
      if (body.z1.length !== 2) throw new Error('workerd answered wrongly');
    } finally {
      server.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(
    `cold start, workerd (first request: init → loadModel → predict + localhost HTTP), median of ${runs}: ${median(ms).toFixed(1)} ms [${ms.map((m) => m.toFixed(1)).join(', ')}]`,
  );
  return median(ms);
}

export async function run(): Promise<void> {
  const s = small();
  const m = mnist('float64');
  const m32 = mnist('float32');
  const dir = mkdtempSync(join(tmpdir(), 'taynode-model-'));
  const bytes = saveModel(s.model);
  const modelPath = join(dir, 'model.safetensors');
  writeFileSync(modelPath, bytes);
  const node = coldNode(modelPath);
  rmSync(dir, { recursive: true, force: true });
  const workerd = await coldWorkerd(bytes);
  const browser = await coldChromium(bytes);
  writeResults('inference', {
    single_small_vs_plain_js: s.plain / s.fused,
    single_small_us: s.fused,
    us_per_eval_small: s.fused / s.nfe,
    single_small_graph_us: s.graph,
    single_small_plain_js_us: s.plain,
    single_small_fused_vs_graph: s.graph / s.fused,
    single_small_nfe: s.nfe,
    mnist_single_gflops: m.gflops,
    mnist_single_ms: m.fusedMs,
    mnist_single_graph_gflops: m.graphGflops,
    mnist_single_nfe: m.nfe,
    mnist_single_gflops_f32: m32.gflops,
    mnist_single_graph_gflops_f32: m32.graphGflops,
    mnist_single_nfe_f32: m32.nfe,
    cold_start_ms_node: node,
    cold_start_ms_workerd: workerd,
    cold_start_ms_chromium: browser,
    model_file_bytes: bytes.length,
    rounds: ROUNDS,
  });
}
