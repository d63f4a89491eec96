// Runtimes from kernels the caller provides (taynode/infer): a compiled WebAssembly.Module (edge
// runtimes that forbid compiling bytes), the bytes of taynode.wasm, or (asynchronously) a URL to fetch
// them from. Nothing here embeds the kernels, which keeps the inference bundle small.
import { ArgumentError } from '../errors.js';
import { instantiate, instantiateSync, readMaxBytes, type Runtime, type RuntimeOptions } from './instance.js';
import { setSharedRuntime, sharedRuntimeOfDtype } from './shared.js';
import { readDtype } from './dtype.js';
import { compiled, compiledSync } from './compiled.js';

export interface KernelSource extends RuntimeOptions {
  /** the bytes of taynode.wasm (the package's `taynode/taynode.wasm`) */
  bytes?: BufferSource;
  /** where to fetch taynode.wasm from (init and createRuntime only: fetching is asynchronous) */
  url?: string | URL;
}

const KEYS = ['maxMemoryBytes', 'module', 'bytes', 'url', 'dtype'];
const WHAT =
  'one of module (a compiled WebAssembly.Module of taynode.wasm), bytes (its bytes) or url (where to fetch it)';

/** The source is required here (the kernels are not embedded): without one, say what it takes. */
function checkSource(source: KernelSource): KernelSource {
  if (typeof source !== 'object' || source === null)
    throw new ArgumentError('source', `an object with ${WHAT}`, source);
  return source;
}

function readSource(source: KernelSource, sync: boolean): { maxBytes: number; given: 'module' | 'bytes' | 'url' } {
  checkSource(source);
  const maxBytes = readMaxBytes(source, KEYS);
  const given = (['module', 'bytes', 'url'] as const).filter((k) => source[k] !== undefined);
  if (given.length !== 1)
    throw new ArgumentError('options', WHAT, given.length ? `${given.join(' and ')} together` : source);
  const [kind] = given;
  if (kind === 'module' && !(source.module instanceof WebAssembly.Module))
    throw new ArgumentError('module', 'a WebAssembly.Module', source.module);
  if (kind === 'bytes' && !(ArrayBuffer.isView(source.bytes) || source.bytes instanceof ArrayBuffer))
    throw new ArgumentError('bytes', 'an ArrayBuffer or a typed array', source.bytes);
  if (kind === 'url' && typeof source.url !== 'string' && !(source.url instanceof URL))
    throw new ArgumentError('url', 'a string or a URL', source.url);
  if (kind === 'url' && sync)
    throw new ArgumentError(
      'url',
      'module or bytes here: fetching a URL is asynchronous (use init or createRuntime)',
      source.url,
    );
  return { maxBytes, given: kind };
}

/** A kernel instance with its own memory and arena, from a module or bytes the caller provides. */
export function createRuntimeSync(source: KernelSource): Runtime {
  const { maxBytes, given } = readSource(source, true);
  return instantiateSync(
    given === 'module' ? source.module! : compiledSync({ bytes: source.bytes! }),
    maxBytes,
    'module',
    readDtype(source.dtype),
  );
}

/** A kernel instance from a module, bytes, or a URL to fetch the bytes from (compiled asynchronously). */
export async function createRuntime(source: KernelSource): Promise<Runtime> {
  const { maxBytes, given } = readSource(source, false);
  const dtype = readDtype(source.dtype);
  if (given === 'module') return instantiate(source.module!, maxBytes, 'module', dtype);
  // a URL is fetched and compiled every time (what it serves may change); bytes compile once per object
  const module =
    given === 'bytes'
      ? await compiled({ bytes: source.bytes! })
      : await WebAssembly.compile(await fetchBytes(source.url!));
  return instantiate(module, maxBytes, 'module', dtype);
}

/** Sets up the shared runtime from a module or bytes (once; later calls return it unchanged, refusing a dtype other than its own). */
export function initSync(source: KernelSource): Runtime {
  return sharedRuntimeOfDtype(checkSource(source).dtype) ?? setSharedRuntime(createRuntimeSync(source));
}

/** Sets up the shared runtime from a module, bytes or URL (once). */
export async function init(source: KernelSource): Promise<Runtime> {
  const existing = sharedRuntimeOfDtype(checkSource(source).dtype);
  if (existing) return existing;
  return setSharedRuntime(await createRuntime(source));
}

async function fetchBytes(url: string | URL): Promise<ArrayBuffer> {
  const response = await fetch(url);
  if (!response.ok)
    throw new ArgumentError('url', 'a URL that serves taynode.wasm', `${String(url)} (HTTP ${response.status})`);
  return response.arrayBuffer();
}
