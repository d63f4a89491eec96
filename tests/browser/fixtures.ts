// A page and a module worker that exercise the ESM bundle in Chromium, and a loopback server for them.
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

const computeInPage = `
  function compute(rt) {
    const a = Tensor.from(rt.arena, [1, 2, 3, 4], 2, 2);
    const b = Tensor.from(rt.arena, [5, 6, 7, 8], 2, 2);
    const c = Tensor.empty(rt.arena, 2, 2);
    rt.kernels.gemm_nn(c.offset, a.offset, b.offset, 0, 2, 2, 2, 0);
    const gemm = Array.from(c.data);
    // Solve an ODE with a known solution, and take one training step of a small regularised neural ODE.
    const decay = odeint((t, y, dy) => { dy[0] = -y[0]; }, [1], [0, 1], { rtol: 1e-10, atol: 1e-12, runtime: rt });
    const rng = new Rng(3);
    const model = NeuralOde.create(rt, { mlp: { widths: [1, 8, 1], activation: 'tanh' },
      regularizers: { order: 3, lambda: 0.1 }, solver: { method: 'dopri5', rtol: 1e-6, atol: 1e-6 } }, rng);
    const z0 = new Float64Array([-0.5, 0.1, 0.7]);
    const target = z0.map((z) => z + z ** 3);
    const objective = model.objective(z0, target, { rng });
    const bytes = saveModel(model);
    const reloaded = loadModel(rt, bytes).model.predict(z0).z1;
    return { gemm, decay: decay.ys[1][0], loss: objective.loss, nfe: objective.nfeForward,
      sameAfterReload: Array.from(reloaded).every((v, i) => v === model.predict(z0).z1[i]) };
  }
  // the default build (relaxed SIMD where Chromium has it) and the baseline build forced, side by side
  const result = { ...compute(rt), build: rt.build, baselineLoss: compute(createRuntimeSync({ kernels: 'baseline' })).loss };`;

const pages: Record<string, string> = {
  '/': `<!doctype html><meta charset="utf-8"><script type="module">
    import { init, createRuntimeSync, Tensor, odeint, Rng, NeuralOde, saveModel, loadModel } from '/index.js';
    try {
      const rt = await init();
      ${computeInPage}
      const worker = new Worker('/worker.js', { type: 'module' });
      const fromWorker = await new Promise((resolve, reject) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => reject(new Error(e.message));
      });
      window.__taynode = { page: result, worker: fromWorker };
    } catch (e) { window.__taynode = { error: String(e && e.stack || e) }; }
  </script>`,
  '/worker.js': `
    import { initSync, createRuntimeSync, Tensor, odeint, Rng, NeuralOde, saveModel, loadModel } from '/index.js';
    const rt = initSync();
    ${computeInPage}
    postMessage(result);`,
};

export async function serveBundle(bundlePath: URL): Promise<{ server: Server; origin: string }> {
  const bundle = readFileSync(bundlePath);
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/index.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    } else if (url in pages) {
      const type = url.endsWith('.js') ? 'text/javascript' : 'text/html';
      res.writeHead(200, { 'content-type': type }).end(pages[url]);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}` };
}
