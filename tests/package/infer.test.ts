// taynode/infer (build/infer.js, build/infer.cjs): a browser bundle of it holds no embedded wasm (the
// caller hands in the kernels), and from a module, the wasm's bytes or a URL it loads saved models and
// predicts bit for bit as the full library does.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
// @ts-expect-error: a plain .mjs script without declarations
import { bundleSize } from '../../scripts/bundle-size.mjs';

type Full = typeof import('../../src/index.js');
type Infer = typeof import('../../src/infer.js');

const full = (await import(new URL('../../build/index.js', import.meta.url).href)) as Full;
const inferEsm = (await import(new URL('../../build/infer.js', import.meta.url).href)) as Infer;
const inferCjs = createRequire(import.meta.url)(new URL('../../build/infer.cjs', import.meta.url).pathname) as Infer;
const wasm = readFileSync(new URL('../../build/taynode.wasm', import.meta.url)) as Buffer<ArrayBuffer>;

// The embedded wasm appears in a bundle as base64 (esbuild's binary loader): look for its first bytes
// (the magic number and version) and for a stretch from its middle.
const base64At = (start: number) => Buffer.from(wasm.subarray(start, start + 48)).toString('base64');
const embedsWasm = (code: string) =>
  code.includes(base64At(0).slice(0, 40)) ||
  code.includes(base64At(Math.floor(wasm.length / 2) - (Math.floor(wasm.length / 2) % 3)).slice(0, 40));

test('a browser bundle of taynode/infer holds no wasm; one of the full library does (the check can tell)', async () => {
  const infer = await bundleSize("export * from './build/infer.js';");
  const whole = await bundleSize("export * from './build/index.js';");
  assert.not.ok(embedsWasm(new TextDecoder().decode(infer.code)), 'taynode/infer embeds the kernels');
  assert.ok(
    embedsWasm(new TextDecoder().decode(whole.code)),
    'the full bundle embeds them (else the check above proves nothing)',
  );
  assert.ok(
    infer.minified + wasm.length < whole.minified,
    `infer ${infer.minified} B + wasm ${wasm.length} B against full ${whole.minified} B`,
  );
  for (const file of ['infer.js', 'infer.cjs']) {
    assert.not.ok(embedsWasm(readFileSync(new URL(`../../build/${file}`, import.meta.url), 'utf8')), `build/${file}`);
  }
});

// Saved with the full library: a composed model (encoder, ODE block, head) and a lone NeuralOde.
const rt = full.createRuntimeSync();
const composed = full.Model.create(
  rt,
  {
    encoder: { type: 'linear', inputs: 3, outputs: 4 },
    blocks: [
      {
        dynamics: {
          type: 'sequential',
          layers: [
            { type: 'concatLinear', inputs: 4, outputs: 7 },
            { type: 'activation', fn: 'tanh' },
            { type: 'linear', inputs: 7, outputs: 4 },
          ],
        },
        solver: { method: 'dopri5', rtol: 1e-7, atol: 1e-7 },
      },
    ],
    head: { type: 'linear', inputs: 4, outputs: 2 },
  },
  new full.Rng(3),
);
const lone = full.NeuralOde.create(rt, { mlp: { widths: [2, 5, 2], activation: 'softplus' } }, new full.Rng(4));
const composedBytes = full.saveModel(composed);
const loneBytes = full.saveModel(lone);
const x = Float64Array.from({ length: 5 * 3 }, (_, i) => Math.sin(1.7 * i) * 2);
const z0 = Float64Array.from({ length: 3 * 2 }, (_, i) => Math.cos(0.9 * i));
const times = [0, 0.25, 1];
const expected = {
  output: composed.predict(x, { times }).output,
  z1: lone.predict(z0).z1,
  zs: lone.predict(z0, { times }).zs,
};

for (const [name, api] of [
  ['ESM', inferEsm],
  ['CommonJS', inferCjs],
] as const) {
  test(`${name}: from the wasm's bytes, loadComposedModel/loadModel + predict equal the full library bit for bit`, () => {
    const own = api.createRuntimeSync({ bytes: wasm });
    const { model } = api.loadComposedModel(own, composedBytes);
    assert.equal(Array.from(api.predict(model, x, { times }).output), Array.from(expected.output));
    const { model: ode } = api.loadModel(own, loneBytes);
    assert.equal(Array.from(api.predict(ode, z0).z1), Array.from(expected.z1));
    assert.equal(Array.from(api.predict(ode, z0, { times }).zs), Array.from(expected.zs));
  });
}

test('init({ module }) sets up the shared runtime once; createRuntime({ url }) fetches the bytes', async () => {
  const module = await WebAssembly.compile(wasm);
  const shared = await inferEsm.init({ module });
  assert.is(await inferEsm.init({ module }), shared, 'later calls return the same runtime');
  assert.is(inferEsm.initSync({ bytes: wasm }), shared);
  const fetched = await inferEsm.createRuntime({ url: `data:application/wasm;base64,${wasm.toString('base64')}` });
  assert.is.not(fetched, shared);
  const { model } = inferEsm.loadComposedModel(fetched, composedBytes);
  assert.equal(Array.from(inferEsm.predict(model, x, { times }).output), Array.from(expected.output));
});

test('a missing, doubled or wrong kernel source is refused by name', async () => {
  const refused = (f: () => unknown, pattern: RegExp) =>
    assert.throws(f, (e: unknown) => e instanceof inferEsm.ArgumentError && pattern.test((e as Error).message));
  refused(() => inferEsm.createRuntimeSync({}), /^options: expected one of module .*, bytes .* or url/);
  refused(
    () => inferEsm.createRuntimeSync({ bytes: wasm, module: new WebAssembly.Module(wasm) }),
    /^options: .*got "module and bytes together"/,
  );
  refused(
    () => inferEsm.createRuntimeSync({ url: 'https://example.invalid/taynode.wasm' }),
    /^url: expected module or bytes here: fetching a URL is asynchronous/,
  );
  refused(
    () => inferEsm.createRuntimeSync({ bytes: 'not bytes' as unknown as ArrayBuffer }),
    /^bytes: expected an ArrayBuffer or a typed array/,
  );
  refused(
    () => inferEsm.createRuntimeSync({ module: wasm as unknown as WebAssembly.Module }),
    /^module: expected a WebAssembly.Module/,
  );
  refused(() => inferEsm.createRuntimeSync({ bytes: wasm, wasm } as never), /^wasm: unknown key/);
  await inferEsm.createRuntime({}).then(
    () => assert.unreachable('resolved'),
    (e: unknown) => assert.instance(e, inferEsm.ArgumentError),
  );
  refused(() => inferEsm.predict({} as never, x), /^model: expected a NeuralOde or a Model/);
});

test.run();
