// Builds everything a fresh clone needs: the SIMD kernels (asc), the bundles with the wasm bytes
// embedded (esbuild), and the type declarations (tsc). Run by `npm install`/`npm ci` via `prepare`.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
mkdirSync('build', { recursive: true });

const step = (name) => console.log(`[build] ${name}`);

step('kernels: asc --target release (SIMD, -O3, stub runtime, no asserts)');
const { error, stderr } = await asc.main(['assembly/index.ts', '--config', 'asconfig.json', '--target', 'release']);
if (error) {
  console.error(stderr.toString());
  throw error;
}

// The same sources with relaxed SIMD enabled (assembly/fma.ts turns multiply-adds into relaxed_madd):
// chosen at start-up where the host validates relaxed SIMD (src/runtime/wasm.ts), the baseline elsewhere.
step('kernels: asc --enable relaxed-simd → build/taynode-relaxed.wasm');
const relaxed = await asc.main([
  'assembly/index.ts',
  '--config',
  'asconfig.json',
  '--target',
  'release',
  '--enable',
  'simd,relaxed-simd',
  '--outFile',
  'build/taynode-relaxed.wasm',
  '--textFile',
  'build/taynode-relaxed.wat',
]);
if (relaxed.error) {
  console.error(relaxed.stderr.toString());
  throw relaxed.error;
}

const common = {
  bundle: true,
  target: 'es2022',
  loader: { '.wasm': 'binary' },
  sourcemap: true,
  logLevel: 'warning',
};

step('bundles: build/index.js (ESM) and build/index.cjs, wasm embedded');
await esbuild.build({
  ...common,
  entryPoints: ['src/index.ts'],
  outfile: 'build/index.js',
  format: 'esm',
  platform: 'neutral',
});
// CommonJS has no import.meta: the worker pool finds build/pool-worker.js from the bundle's own URL.
await esbuild.build({
  ...common,
  entryPoints: ['src/index.ts'],
  outfile: 'build/index.cjs',
  format: 'cjs',
  platform: 'node',
  banner: { js: 'var __taynode_bundle_url = require("node:url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': '__taynode_bundle_url' },
});

step("pool worker: build/pool-worker.js (a WorkerPool's worker script, importing ./index.js)");
writeFileSync(
  'build/pool-worker.js',
  "// A WorkerPool's worker (createWorkerPool starts it beside this bundle).\nimport { servePoolWorker } from './index.js';\n\nawait servePoolWorker();\n",
);

// taynode/infer: load a model and predict, the kernels handed in by the caller (no wasm embedded).
step('bundles: build/infer.js (ESM) and build/infer.cjs, no wasm');
await esbuild.build({
  ...common,
  entryPoints: ['src/infer.ts'],
  outfile: 'build/infer.js',
  format: 'esm',
  platform: 'neutral',
});
await esbuild.build({
  ...common,
  entryPoints: ['src/infer.ts'],
  outfile: 'build/infer.cjs',
  format: 'cjs',
  platform: 'node',
});

if (existsSync('packages/cli/src/main.ts')) {
  // The CLI is its own package (packages/cli, taynode-cli) with its own dependencies, so the library
  // installs none: the bundle carries the library (and its wasm) and leaves commander, vega, … external.
  // The CLI imports the library only as 'taynode' and 'taynode/infer': aliased to the sources here, as
  // tsconfig's paths do for tsx and tsc, so the bundle holds one copy of the library.
  step('cli: build/cli.js and packages/cli/cli.js');
  const version = JSON.parse(readFileSync('package.json', 'utf8')).version;
  await esbuild.build({
    ...common,
    entryPoints: ['packages/cli/src/main.ts'],
    outfile: 'build/cli.js',
    format: 'esm',
    platform: 'node',
    packages: 'external',
    alias: { taynode: './src/index.ts', 'taynode/infer': './src/infer.ts' },
    define: { __TAYNODE_VERSION__: JSON.stringify(version) },
    banner: { js: '#!/usr/bin/env node' },
  });
  cpSync('build/cli.js', 'packages/cli/cli.js');
}

step('types: tsc --emitDeclarationOnly');
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
// The package is "type": "module", so TypeScript reads build/types as ESM declarations; a CommonJS
// consumer (module node16/nodenext) needs declarations it reads as CommonJS (else TS1479): the same
// files under a folder whose package.json says so.
step('types: build/types-cjs (the same declarations, read as CommonJS)');
rmSync('build/types-cjs', { recursive: true, force: true });
cpSync('build/types', 'build/types-cjs', { recursive: true });
writeFileSync('build/types-cjs/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');
step('done');
