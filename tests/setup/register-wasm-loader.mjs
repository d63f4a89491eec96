// Lets Node import .wasm files as their bytes, as esbuild's binary loader does in the bundles,
// so tests and benchmarks can run the TypeScript sources directly (with tsx).
import { register } from 'node:module';
register('./wasm-loader.mjs', import.meta.url);
