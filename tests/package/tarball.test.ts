// The packages as a user gets them: `npm pack` of the library (no dependencies) and of the CLI
// (packages/cli, with its own), installed into a scratch project, then used from an ESM script, a
// CommonJS script, TypeScript consumers (strict; node16 and nodenext, ESM and CommonJS), through the
// wasm subpath export (for hosts that must be handed a compiled module), the inference entry
// (taynode/infer, kernels handed in), and as the `taynode` command.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'taynode-consumer-'));
const run = (file: string, args: string[], cwd = scratch) =>
  execFileSync(file, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const npm = (args: string[], cwd = scratch) => run(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, cwd);

let packed: { files: { path: string }[] }[] = [];

test("the library's tarball holds the bundles, both declaration trees, the wasm, LICENSE and README, nothing of src, tests or the CLI, and no dependencies", () => {
  // --ignore-scripts: the build in build/ is the one under test (prepare would rebuild it).
  packed = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], root));
  const files = packed[0].files.map((f) => f.path);
  for (const f of [
    'build/index.js',
    'build/index.cjs',
    'build/infer.js',
    'build/infer.cjs',
    'build/types/infer.d.ts',
    'build/types-cjs/infer.d.ts',
    'build/taynode.wasm',
    'build/taynode-relaxed.wasm',
    'build/pool-worker.js',
    'build/types/index.d.ts',
    'build/types-cjs/index.d.ts',
    'build/types-cjs/package.json',
    'LICENSE',
    'README.md',
    'package.json',
  ]) {
    assert.ok(files.includes(f), `${f} is in the tarball`);
  }
  assert.not.ok(
    files.some(
      (f) => f.startsWith('src/') || f.startsWith('tests/') || f.startsWith('assembly/') || f === 'build/cli.js',
    ),
    'no sources, tests or CLI',
  );
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  assert.equal(manifest.dependencies ?? {}, {}, 'the library installs no dependencies');
  assert.is(manifest.bin, undefined, 'the command comes with taynode-cli');
  // npm warns every consumer about a package with install-time scripts (prepare included).
  for (const script of ['preinstall', 'install', 'postinstall', 'prepare'])
    assert.is(manifest.scripts?.[script], undefined, `no ${script} script`);
  const cli = JSON.parse(
    npm(['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], join(root, 'packages/cli')),
  );
  const cliFiles = cli[0].files.map((f: { path: string }) => f.path);
  assert.equal([...cliFiles].sort(), ['README.md', 'cli.js', 'package.json']);
  // That the README and the docs/ it ships link only into the tarball: readme-links.test.ts.
  for (const f of ['README.md', 'docs/README.md', 'docs/api/README.md'])
    assert.ok(files.includes(f), `${f} is in the tarball`);
});

test('installed from the tarball: ESM and CommonJS scripts solve with the embedded wasm; the wasm subpath compiles', () => {
  const tarballs = readdirSync(scratch)
    .filter((f) => f.endsWith('.tgz'))
    .map((f) => join(scratch, f));
  assert.is(tarballs.length, 2);
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  npm(['install', ...tarballs, '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', '--loglevel=error']);
  writeFileSync(
    join(scratch, 'esm.mjs'),
    `
    import { createRuntimeSync, createRuntime, NeuralOde, Rng } from 'taynode';
    import { readFileSync } from 'node:fs';
    const model = NeuralOde.create(createRuntimeSync(), { mlp: { widths: [2, 8, 2], activation: 'tanh' } }, new Rng(0));
    const { z1 } = model.predict(new Float64Array([0.5, -0.5]));
    const bytes = readFileSync(new URL(import.meta.resolve('taynode/taynode.wasm')));
    const rt = await createRuntime({ module: await WebAssembly.compile(bytes) });
    // the relaxed build's subpath resolves too (validated only: Node 20 compiles it behind a flag)
    const relaxed = readFileSync(new URL(import.meta.resolve('taynode/taynode-relaxed.wasm')));
    console.log(JSON.stringify({ z1: Array.from(z1), wasm: typeof rt.kernels.gemm_nn, relaxedBytes: relaxed.length, build: createRuntimeSync().build }));
  `,
  );
  writeFileSync(
    join(scratch, 'cjs.cjs'),
    `
    const { createRuntimeSync, NeuralOde, Rng } = require('taynode');
    const model = NeuralOde.create(createRuntimeSync(), { mlp: { widths: [2, 8, 2], activation: 'tanh' } }, new Rng(0));
    console.log(JSON.stringify({ z1: Array.from(model.predict(new Float64Array([0.5, -0.5])).z1) }));
  `,
  );
  const esm = JSON.parse(run(process.execPath, ['esm.mjs']));
  const cjs = JSON.parse(run(process.execPath, ['cjs.cjs']));
  assert.is(esm.wasm, 'function');
  assert.ok(esm.relaxedBytes > 1000, 'taynode/taynode-relaxed.wasm is shipped');
  assert.ok(['baseline', 'relaxed'].includes(esm.build), `a default build was chosen (${esm.build})`);
  assert.is(esm.z1.length, 2);
  assert.equal(cjs.z1, esm.z1);
});

test('installed from the tarball: taynode/infer loads a saved model from ESM and CommonJS, the wasm from the subpath, and predicts as the full library', () => {
  writeFileSync(
    join(scratch, 'infer-save.mjs'),
    `
    import { createRuntimeSync, NeuralOde, Rng, saveModel } from 'taynode';
    import { writeFileSync } from 'node:fs';
    const model = NeuralOde.create(createRuntimeSync(), { mlp: { widths: [2, 8, 2], activation: 'tanh' } }, new Rng(5));
    writeFileSync('model.safetensors', saveModel(model));
    console.log(JSON.stringify({ z1: Array.from(model.predict(new Float64Array([0.5, -0.5, 1, 2])).z1) }));
  `,
  );
  writeFileSync(
    join(scratch, 'infer.mjs'),
    `
    import { init, loadModel, predict } from 'taynode/infer';
    import { readFileSync } from 'node:fs';
    const bytes = readFileSync(new URL(import.meta.resolve('taynode/taynode.wasm')));
    const rt = await init({ module: await WebAssembly.compile(bytes) });
    const { model } = loadModel(rt, readFileSync('model.safetensors'));
    console.log(JSON.stringify({ z1: Array.from(predict(model, new Float64Array([0.5, -0.5, 1, 2])).z1) }));
  `,
  );
  writeFileSync(
    join(scratch, 'infer.cjs'),
    `
    const { initSync, loadModel, predict } = require('taynode/infer');
    const { readFileSync } = require('node:fs');
    const rt = initSync({ bytes: readFileSync(require.resolve('taynode/taynode.wasm')) });
    const { model } = loadModel(rt, readFileSync('model.safetensors'));
    console.log(JSON.stringify({ z1: Array.from(predict(model, new Float64Array([0.5, -0.5, 1, 2])).z1) }));
  `,
  );
  const expected = JSON.parse(run(process.execPath, ['infer-save.mjs']));
  assert.is(expected.z1.length, 4);
  assert.equal(JSON.parse(run(process.execPath, ['infer.mjs'])), expected);
  assert.equal(JSON.parse(run(process.execPath, ['infer.cjs'])), expected);
});

test('installed from the tarball: a 2-worker pool (build/pool-worker.js) predicts and trains a step, from ESM and CommonJS, as one thread does, and the process exits once it is closed', () => {
  const script = (load: string) => `
    ${load}
    (async () => {
      const rt = createRuntimeSync();
      const make = () => NeuralOde.create(rt, { mlp: { widths: [2, 8, 2], activation: 'tanh' }, terms: [{ kind: 'taylor', order: 2, lambda: 0.1 }], solver: { method: 'rk4', steps: 4 } }, new Rng(0));
      const x = new Float64Array([0.5, -0.5, 0.25, 0.1, -0.3, 0.9, 0.2]).subarray(0, 6);
      const data = { inputs: x, targets: x.map((v) => 2 * v) };
      const pool = await createWorkerPool({ workers: 2 });
      const pooled = make(), single = make();
      const predicted = Array.from((await pool.predict(pooled, x)).output);
      const log = await train({ model: pooled, optimizer: new Adam(rt.kernels, pooled.params, { lr: 0.1 }), data, iterations: 1, rng: new Rng(1), pool });
      train({ model: single, optimizer: new Adam(rt.kernels, single.params, { lr: 0.1 }), data, iterations: 1, rng: new Rng(1) });
      await pool.close();
      console.log(JSON.stringify({ predicted, expected: Array.from(make().predict(x).z1), loss: log.records[0].loss,
        weights: Array.from(pooled.params[0].value.data), singleWeights: Array.from(single.params[0].value.data), initial: Array.from(make().params[0].value.data) }));
    })();
  `;
  writeFileSync(
    join(scratch, 'pool.mjs'),
    script("import { createRuntimeSync, createWorkerPool, NeuralOde, Rng, Adam, train } from 'taynode';"),
  );
  writeFileSync(
    join(scratch, 'pool.cjs'),
    script("const { createRuntimeSync, createWorkerPool, NeuralOde, Rng, Adam, train } = require('taynode');"),
  );
  for (const file of ['pool.mjs', 'pool.cjs']) {
    // A pool left open would keep the process alive: the timeout turns that into a failure.
    const out = JSON.parse(execFileSync(process.execPath, [file], { cwd: scratch, encoding: 'utf8', timeout: 60_000 }));
    assert.equal(out.predicted, out.expected, `${file}: pooled predict = one thread's (rk4 grid, rows independent)`);
    assert.ok(Number.isFinite(out.loss) && out.loss > 0, `${file}: loss ${out.loss}`);
    const diff = Math.max(...out.weights.map((w: number, i: number) => Math.abs(w - out.singleWeights[i])));
    assert.ok(diff < 1e-12, `${file}: weights after a pooled step differ from one thread's by ${diff}`);
    assert.not.equal(out.weights, out.initial, `${file}: the step moved the weights`);
  }
});

test('installed from its tarball, the taynode command runs: --version, and a small experiment writes under --out', () => {
  const bin = join(scratch, 'node_modules/.bin/taynode');
  const { version } = JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8'));
  assert.is(run(bin, ['--version']).trim(), version);
  run(bin, ['solver-order', '--max-degree', '2', '--out', 'figure2']);
  // (with the marker naming the command and its files, so a re-run replaces only those)
  assert.equal(readdirSync(join(scratch, 'figure2')).sort(), [
    '.taynode-output.json',
    'solver-order.json',
    'solver-order.svg',
  ]);
});

for (const module of ['node16', 'nodenext']) {
  test(`TypeScript consumers type-check with --strict, module ${module}, both as ESM (.mts) and as CommonJS (.cts)`, () => {
    const source = `import { NeuralOde, Model, Rng, createRuntimeSync, type ModelSpec } from 'taynode';
      const spec: ModelSpec = { blocks: [{ dynamics: { type: 'linear', inputs: 2, outputs: 2 } }] };
      const model: Model = Model.create(createRuntimeSync(), spec, new Rng(1));
      const ode: NeuralOde = model.blocks[0];
      export const width: number = ode.stateSize;
      import { init, loadComposedModel, predict, type KernelSource, type Runtime } from 'taynode/infer';
      export async function infer(source: KernelSource, bytes: Uint8Array, x: Float64Array): Promise<Float64Array> {
        const rt: Runtime = await init(source);
        return predict(loadComposedModel(rt, bytes).model, x).output;
      }\n`;
    writeFileSync(join(scratch, 'consumer.mts'), source);
    writeFileSync(join(scratch, 'consumer.cts'), source);
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module,
          moduleResolution: module,
          target: 'es2022',
          lib: ['es2022', 'dom'],
          types: [],
          skipLibCheck: false,
        },
        files: ['consumer.mts', 'consumer.cts'],
      }),
    );
    try {
      run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
    } catch (e) {
      assert.unreachable(`tsc failed:\n${(e as { stdout?: string }).stdout ?? e}`);
    }
  });
}

test.after(() => rmSync(scratch, { recursive: true, force: true }));

test.run();
