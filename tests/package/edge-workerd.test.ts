// A real edge runtime: Cloudflare's workerd (the npm package's binary) serves a worker that imports the
// ESM bundle, is handed the wasm as a compiled module binding (workerd forbids compiling bytes at run
// time), loads a saved model and predicts. Its answer equals Node's bit for bit. The same worker runs
// on the inference entry (build/infer.js, no wasm embedded) too.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const workerd = join(root, 'node_modules/.bin/workerd');

const WORKER = `
import { init, loadModel } from './taynode.js';
import wasm from './taynode.wasm';            // a WebAssembly.Module: workerd compiles it at load time
import model from './model.safetensors';      // an ArrayBuffer
export default {
  async fetch() {
    const rt = await init({ module: wasm });
    const { model: m } = loadModel(rt, new Uint8Array(model));
    return Response.json({ z1: Array.from(m.predict(new Float64Array([0.5, -0.5, 1.5, 0.25])).z1) });
  },
};`;

const config = (port: number) => `using Workerd = import "/workerd/workerd.capnp";
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

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

for (const entry of ['index.js', 'infer.js'])
  test(`workerd serves a worker that loads a saved model with init({ module }) from build/${entry} and predicts as Node does`, async () => {
    const bundle = join(root, 'build', entry);
    const api = await import(join(root, 'build/index.js'));
    const model = api.NeuralOde.create(
      api.createRuntimeSync(),
      { mlp: { widths: [2, 8, 2], activation: 'tanh' } },
      new api.Rng(0),
    );
    const expected = Array.from(model.predict(new Float64Array([0.5, -0.5, 1.5, 0.25])).z1);
    const dir = mkdtempSync(join(tmpdir(), 'taynode-workerd-'));
    const port = await freePort();
    copyFileSync(bundle, join(dir, 'taynode.js'));
    copyFileSync(join(root, 'build/taynode.wasm'), join(dir, 'taynode.wasm'));
    writeFileSync(join(dir, 'model.safetensors'), api.saveModel(model));
    writeFileSync(join(dir, 'worker.js'), WORKER);
    writeFileSync(join(dir, 'config.capnp'), config(port));
    const server = spawn(workerd, ['serve', 'config.capnp'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    server.stdout.on('data', (d) => {
      log += d;
    });
    server.stderr.on('data', (d) => {
      log += d;
    });
    try {
      let body: { z1: number[] } | undefined;
      // Bounded: 100 tries over at most ~20 s while workerd starts.
      for (let i = 0; i < 100 && !body; i++) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
          body = await res.json();
        } catch {
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      assert.ok(body, `workerd answered (log: ${log})`);
      assert.equal(body!.z1, expected);
    } finally {
      server.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

test.run();
