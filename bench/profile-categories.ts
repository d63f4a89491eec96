// Sorts a V8 CPU profile's self time (node:inspector's Profiler.stop) into where a training step's time
// goes: the wasm kernels by kind, copies, the JS around them, GC. Wasm functions are recognised by
// their names (bench/wasm-names.ts gives the release kernels a name section), JS by its source file.
import { ArgumentError } from '../src/errors.js';

export const CATEGORIES = [
  'wasm GEMM',
  'wasm activations',
  'wasm elementwise + stage sums',
  'copies + fills',
  'JS autodiff + layers + dispatch',
  'JS solver control',
  'GC',
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** The part of a V8 CPU profile this reads (inspector's Profiler.Profile). */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  samples?: number[];
  timeDeltas?: number[];
}

// Copies of data (wasm copy kernels, concat t and its reverse, memset) and JS typed-array traffic.
const WASM_COPY =
  /\/(copy|copy_f32|copy_block|copy_block_f32|append_column|append_column_f32|append_column_vjp|append_column_vjp_f32|fill|fill_f32|repeat_rows|repeat_rows_f32)$/;
const JS_COPY = /^(set|slice|subarray|fill|from|of|copyWithin|TypedArray.*|(Float32|Float64|Int32|Uint8|Uint32)Array)$/;

/** The category of one profile function. */
export function categorise({ functionName, url }: { functionName: string; url: string }): Category {
  if (functionName === '(garbage collector)') return 'GC';
  const wasm = url.startsWith('wasm://') || functionName.startsWith('assembly/') || functionName.startsWith('~lib/');
  if (wasm) {
    if (/\/gemm(-f32)?\//.test(functionName)) return 'wasm GEMM';
    if (/\/activations(-f32)?\/|^~lib\/math\//.test(functionName)) return 'wasm activations';
    if (WASM_COPY.test(functionName)) return 'copies + fills';
    return 'wasm elementwise + stage sums';
  }
  if (url === '' && JS_COPY.test(functionName)) return 'copies + fills';
  if (/\/src\/(ode|gradients)\//.test(url)) return 'JS solver control';
  if (/\/src\/(autodiff|nn|model|terms|runtime|training)\//.test(url) || /\/src\/[^/]+\.ts$/.test(url))
    return 'JS autodiff + layers + dispatch';
  return 'other';
}

export interface ProfileBreakdown {
  /** self ms per category (the idle thread excluded) */
  ms: Record<Category, number>;
  totalMs: number;
  /** the functions with the most self time, with their category */
  top: { name: string; category: Category; ms: number }[];
}

/**
 * Self time per category: each sample's time is the delta to the next sample (the last sample, which has
 * none, gets the mean), attributed to the node it hit. `(idle)` samples are left out.
 */
export function breakdown(profile: CpuProfile, topN = 15): ProfileBreakdown {
  const { samples = [], timeDeltas = [] } = profile;
  if (samples.length !== timeDeltas.length)
    throw new ArgumentError('profile', 'as many timeDeltas as samples', `${samples.length} and ${timeDeltas.length}`);
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const selfUs = new Map<number, number>();
  const mean = samples.length > 1 ? timeDeltas.slice(1).reduce((a, b) => a + b, 0) / (samples.length - 1) : 0;
  samples.forEach((id, i) =>
    selfUs.set(id, (selfUs.get(id) ?? 0) + (i + 1 < samples.length ? timeDeltas[i + 1] : mean)),
  );
  const ms = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  const byName = new Map<string, { name: string; category: Category; ms: number }>();
  let totalMs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id);
    if (!frame) throw new ArgumentError('profile', 'samples naming nodes of the profile', `node ${id}`);
    if (frame.functionName === '(idle)') continue;
    const category = categorise(frame);
    ms[category] += us / 1000;
    totalMs += us / 1000;
    const file = frame.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/');
    const name = `${frame.functionName || '(anonymous)'}${file && !frame.url.startsWith('wasm://') ? ` ${file}` : ''}`;
    const entry = byName.get(name) ?? byName.set(name, { name, category, ms: 0 }).get(name)!;
    entry.ms += us / 1000;
  }
  const top = [...byName.values()].sort((a, b) => b.ms - a.ms).slice(0, topN);
  return { ms, totalMs, top };
}
