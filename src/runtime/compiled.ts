// The compiled kernel module, kept per source so that a second runtime (an f32 one beside the f64 one,
// a test's fresh instance, a pool's) instantiates it again without compiling it again: instances have
// their own memory, the compiled code is shared. Keyed by the embedded build's name, or by the very
// bytes object a caller handed in (a WeakMap: dropping the bytes drops the entry).
const byKey = new Map<string, WebAssembly.Module>();
const pendingByKey = new Map<string, Promise<WebAssembly.Module>>();
const byBytes = new WeakMap<object, WebAssembly.Module>();
const pendingByBytes = new WeakMap<object, Promise<WebAssembly.Module>>();

type Source = { key: string; bytes: BufferSource } | { key?: undefined; bytes: BufferSource };

function cached(source: Source): WebAssembly.Module | undefined {
  return source.key !== undefined ? byKey.get(source.key) : byBytes.get(source.bytes);
}

function keep(source: Source, module: WebAssembly.Module): WebAssembly.Module {
  if (source.key !== undefined) byKey.set(source.key, module);
  else byBytes.set(source.bytes, module);
  return module;
}

/** The module for these bytes, compiled synchronously on first use. */
export function compiledSync(source: Source): WebAssembly.Module {
  return cached(source) ?? keep(source, new WebAssembly.Module(source.bytes));
}

/** The module for these bytes, compiled asynchronously on first use (concurrent callers share one compile). */
export async function compiled(source: Source): Promise<WebAssembly.Module> {
  const done = cached(source);
  if (done) return done;
  const pending = source.key !== undefined ? pendingByKey.get(source.key) : pendingByBytes.get(source.bytes);
  if (pending) return pending;
  const compile = WebAssembly.compile(source.bytes).then((module) => keep(source, module));
  if (source.key !== undefined) pendingByKey.set(source.key, compile);
  else pendingByBytes.set(source.bytes, compile);
  try {
    return await compile;
  } finally {
    if (source.key !== undefined) pendingByKey.delete(source.key);
    else pendingByBytes.delete(source.bytes);
  }
}
