// The release kernels carry no name section (asc -O3 drops it), so a CPU profile shows their functions
// as numbered wasm-function[i]. Binaryen's text output (build/taynode.wat, written from the same module)
// names every function in index order: this copies those names into a `name` custom section appended to
// the unchanged release bytes, so the profiled code is exactly the code that ships.
import { ArgumentError } from '../src/errors.js';

/** Function names in index order (imports first) from a binaryen .wat, without the leading `$`. */
export function functionNamesFromWat(wat: string): string[] {
  const imports: string[] = [];
  const defined: string[] = [];
  for (const line of wat.split('\n')) {
    const imported = /^ \(import "[^"]*" "[^"]*" \(func \$(\S+?)(?:[\s)]|$)/.exec(line);
    if (imported) imports.push(imported[1]);
    const func = /^ \(func \$(\S+?)(?:[\s)]|$)/.exec(line);
    if (func) defined.push(func[1]);
  }
  return [...imports, ...defined];
}

function readLeb(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    if (b === undefined) throw new ArgumentError('bytes', 'a complete wasm module', 'a truncated LEB128');
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) return [value, at];
  }
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

const utf8 = (s: string) => Array.from(new TextEncoder().encode(s));
const named = (s: string) => [...leb(utf8(s).length), ...utf8(s)];

/** How many functions (imported and defined) a wasm binary has, and whether it has a `name` section. */
export function wasmFunctions(bytes: Uint8Array): { count: number; hasNames: boolean } {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d)
    throw new ArgumentError('bytes', 'a wasm binary (\\0asm…)', `${bytes.length} bytes`);
  let count = 0;
  let hasNames = false;
  for (let at = 8; at < bytes.length; ) {
    const id = bytes[at];
    const [size, body] = readLeb(bytes, at + 1);
    if (id === 0) {
      const [len, name] = readLeb(bytes, body);
      if (new TextDecoder().decode(bytes.subarray(name, name + len)) === 'name') hasNames = true;
    } else if (id === 2) {
      // imports: module, field, kind, description; only functions (kind 0) take function indices
      let [n, p] = readLeb(bytes, body);
      for (; n > 0; n--) {
        for (let s = 0; s < 2; s++) {
          const [len, q] = readLeb(bytes, p);
          p = q + len;
        }
        const kind = bytes[p++];
        if (kind === 0) {
          count++;
          p = readLeb(bytes, p)[1];
        } else if (kind === 1 || kind === 2) {
          if (kind === 1) p++; // the table's reference type
          const flags = bytes[p];
          p = readLeb(bytes, p + 1)[1];
          if (flags & 1) p = readLeb(bytes, p)[1];
        } else p += 2; // a global: value type, mutability
      }
    } else if (id === 3) count += readLeb(bytes, body)[0];
    at = body + size;
  }
  return { count, hasNames };
}

/** The module's bytes with a `name` section naming its functions `names` (one per function, in index order). */
export function withFunctionNames(bytes: Uint8Array, names: readonly string[]): Uint8Array {
  const { count, hasNames } = wasmFunctions(bytes);
  if (hasNames) throw new ArgumentError('bytes', 'a wasm binary without a name section', 'one with names');
  if (names.length !== count)
    throw new ArgumentError('names', `one name per function (${count})`, `${names.length} names`);
  const entries = names.flatMap((name, i) => [...leb(i), ...named(name)]);
  const functionNames = [...leb(names.length), ...entries];
  const payload = [...named('name'), 1, ...leb(functionNames.length), ...functionNames];
  const out = new Uint8Array(bytes.length + 1 + leb(payload.length).length + payload.length);
  out.set(bytes);
  out.set([0, ...leb(payload.length), ...payload], bytes.length);
  return out;
}
