// `node scripts/bundle-size.mjs` (after `npm run build`): the size a browser app pays for taynode,
// measured as a consumer's bundler sees the package: esbuild bundles an app that imports the shipped
// build/infer.js or build/index.js for the browser, minified, and the result is gzipped (level 9).
// Reported for the whole entry (every export kept) and for a typical app (only the names it imports,
// the rest tree-shaken), plus taynode.wasm itself, which the inference entry leaves to the caller.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

const APPS = [
  { name: 'taynode/infer, whole entry', source: "export * from './build/infer.js';" },
  {
    name: 'taynode/infer, app: init + loadComposedModel + predict',
    source:
      "import { init, loadComposedModel, predict } from './build/infer.js'; export async function run(module, bytes, x) { const rt = await init({ module }); return predict(loadComposedModel(rt, bytes).model, x); }",
  },
  { name: 'taynode (full), whole entry', source: "export * from './build/index.js';" },
  {
    name: 'taynode (full), app: init + loadComposedModel + predict',
    source:
      "import { init, loadComposedModel } from './build/index.js'; export async function run(bytes, x) { const rt = await init(); return loadComposedModel(rt, bytes).model.predict(x); }",
  },
];

/** Minified and gzipped bytes of one app's browser bundle. */
export async function bundleSize(source) {
  const result = await esbuild.build({
    stdin: { contents: source, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'error',
  });
  const code = result.outputFiles[0].contents;
  return { minified: code.length, gzip: gzipSync(code, { level: 9 }).length, code };
}

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = [];
  for (const app of APPS) {
    const { minified, gzip } = await bundleSize(app.source);
    rows.push([app.name, minified, gzip]);
  }
  const wasm = readFileSync(new URL('../build/taynode.wasm', import.meta.url));
  rows.push(['taynode.wasm (fetched or imported separately)', wasm.length, gzipSync(wasm, { level: 9 }).length]);
  console.log(
    `esbuild ${esbuild.version}, --bundle --minify --platform=browser --format=esm --target=es2022; gzip -9\n`,
  );
  console.log('| bundle | minified | gzip |\n| --- | --- | --- |');
  for (const [name, minified, gzip] of rows)
    console.log(`| ${name} | ${minified} B (${kb(minified)}) | ${gzip} B (${kb(gzip)}) |`);
}
