import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from '../../src/io/safetensors.js';

const sample = () => ({
  'layers.0.weight': { shape: [2, 3], data: new Float64Array([1, -2, 3.5, 1e-300, -0, Math.PI]) },
  'layers.0.bias': { shape: [3], data: new Float64Array([0.1, 0.2, 0.3]) },
  scalar: { shape: [], data: new Float64Array([42]) },
  empty: { shape: [0, 4], data: new Float64Array(0) },
});

/** Builds a file from a header object and a data buffer, as another writer might. */
function rawFile(header: unknown, data: Uint8Array, headerText = JSON.stringify(header)): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function expectError(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => decodeSafetensors(bytes),
    (e: unknown) => {
      if (!(e instanceof SafetensorsError)) return false;
      if (!pattern.test((e as Error).message))
        throw new Error(`message "${(e as Error).message}" does not match ${pattern}`);
      return true;
    },
  );
}

test('round trip keeps every value bit for bit, the shapes and the metadata', () => {
  const meta = { config: JSON.stringify({ widths: [1, 50, 1] }), format: 'pt' };
  const bytes = encodeSafetensors(sample(), meta);
  const back = decodeSafetensors(bytes);
  assert.equal(back.metadata, meta);
  for (const [name, t] of Object.entries(sample())) {
    const got = back.tensors.get(name)!;
    assert.equal(got.shape, t.shape, name);
    assert.equal(
      Array.from(got.data).map((x) => (Object.is(x, -0) ? '-0' : x)),
      Array.from(t.data).map((x) => (Object.is(x, -0) ? '-0' : x)),
      name,
    );
  }
});

test('names that are Object.prototype keys ("__proto__", "constructor") are kept as tensors and metadata', () => {
  const tensors = new Map([
    ['__proto__', { shape: [2], data: new Float64Array([1, 2]) }],
    ['constructor', { shape: [1], data: new Float64Array([3]) }],
  ]);
  const meta: Record<string, string> = {};
  Object.defineProperty(meta, '__proto__', { value: 'p', enumerable: true, writable: true, configurable: true });
  const back = decodeSafetensors(encodeSafetensors(tensors, meta));
  assert.equal([...back.tensors.keys()].sort(), ['__proto__', 'constructor']);
  assert.equal(Array.from(back.tensors.get('__proto__')!.data), [1, 2]);
  assert.equal(Array.from(back.tensors.get('constructor')!.data), [3]);
  assert.equal(Object.entries(back.metadata), [['__proto__', 'p']]);
});

test('layout follows the spec: u64 LE length, space-padded JSON header, LE data in name order', () => {
  const bytes = encodeSafetensors({
    b: { shape: [1], data: new Float64Array([2]) },
    a: { shape: [1], data: new Float64Array([1]) },
  });
  const view = new DataView(bytes.buffer);
  const n = Number(view.getBigUint64(0, true));
  assert.is(n % 8, 0, 'header padded to 8 bytes');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  assert.equal(header.a, { dtype: 'F64', shape: [1], data_offsets: [0, 8] });
  assert.equal(header.b, { dtype: 'F64', shape: [1], data_offsets: [8, 16] });
  assert.is(view.getFloat64(8 + n, true), 1);
  assert.is(view.getFloat64(8 + n + 8, true), 2);
  assert.is(bytes.length, 8 + n + 16);
  // little-endian 1.0 = 00 00 00 00 00 00 F0 3F
  assert.equal(Array.from(bytes.subarray(8 + n, 8 + n + 8)), [0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
});

test('a file from another writer (unsorted entries, no padding, unaligned view) is read', () => {
  const data = new Uint8Array(24);
  const dv = new DataView(data.buffer);
  [5, 6, 7].forEach((x, i) => dv.setFloat64(i * 8, x, true));
  const file = rawFile(
    {
      y: { dtype: 'F64', shape: [1], data_offsets: [16, 24] },
      x: { dtype: 'F64', shape: [2, 1], data_offsets: [0, 16] },
    },
    data,
  );
  const shifted = new Uint8Array(file.length + 3);
  shifted.set(file, 3);
  const back = decodeSafetensors(shifted.subarray(3));
  assert.equal(Array.from(back.tensors.get('x')!.data), [5, 6]);
  assert.equal(back.tensors.get('x')!.shape, [2, 1]);
  assert.equal(Array.from(back.tensors.get('y')!.data), [7]);
  assert.equal(back.metadata, {});
});

test('truncation anywhere is rejected with a clear error', () => {
  const bytes = encodeSafetensors(sample(), { a: 'b' });
  expectError(bytes.subarray(0, 5), /too short for the 8-byte header length/);
  expectError(bytes.subarray(0, 40), /header length \d+ runs past the end of the file/);
  expectError(bytes.subarray(0, bytes.length - 1), /run past the \d+-byte data buffer|belong to no tensor/);
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  expectError(bytes.subarray(0, 8 + n + 7), /run past the 7-byte data buffer/);
});

test('corrupt headers are rejected: length, UTF-8, JSON, shape of the header', () => {
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setBigUint64(0, 2n ** 63n, true);
  expectError(huge, /header length 9223372036854775808 runs past the end/);
  expectError(rawFile(null, new Uint8Array(0), '{"a": '), /header is not valid JSON/);
  expectError(rawFile(null, new Uint8Array(0), '[1, 2]'), /must start with "\{"/);
  expectError(rawFile(null, new Uint8Array(0), '{}x'), /not valid JSON/);
  const badUtf8 = rawFile(null, new Uint8Array(0), '{}  ');
  badUtf8[10] = 0xff;
  expectError(badUtf8, /not valid UTF-8/);
  expectError(rawFile({ __metadata__: { a: 1 } }, new Uint8Array(0)), /metadata "a" must be a string/);
  expectError(rawFile({ t: 3 }, new Uint8Array(0)), /tensor "t": entry must be an object/);
});

test('bad entries: dtype, shape, offsets out of range, overlapping, gaps, size mismatch', () => {
  const d16 = new Uint8Array(16);
  const entry = (over: Record<string, unknown>) => ({ dtype: 'F64', shape: [2], data_offsets: [0, 16], ...over });
  expectError(
    rawFile({ t: entry({ dtype: 'F16' }) }, d16),
    /tensor "t": dtype "F16" is not supported \(taynode reads F64 and F32\)/,
  );
  expectError(
    rawFile({ t: entry({ dtype: 'F32' }) }, d16),
    /shape \[2\] needs 8 bytes of F32 but data_offsets span 16/,
  );
  expectError(
    rawFile({ t: entry({ shpe: [2] }) }, d16),
    /tensor "t": unknown key "shpe"; expected one of dtype, shape, data_offsets/,
  );
  expectError(
    rawFile({ t: entry({ shape: [2, -1] }) }, d16),
    /tensor "t": shape must be an array of non-negative integers/,
  );
  expectError(rawFile({ t: entry({ shape: [3] }) }, d16), /shape \[3\] needs 24 bytes of F64 but data_offsets span 16/);
  expectError(rawFile({ t: entry({ data_offsets: [0, 24], shape: [3] }) }, d16), /run past the 16-byte data buffer/);
  expectError(rawFile({ t: entry({ data_offsets: [16, 0] }) }, d16), /end before they begin/);
  expectError(rawFile({ t: entry({ data_offsets: [0] }) }, d16), /data_offsets must be two non-negative integers/);
  expectError(rawFile({ t: entry({ data_offsets: [0, 1.5] }) }, d16), /data_offsets must be two non-negative integers/);
  expectError(
    rawFile({ a: entry({ shape: [1], data_offsets: [0, 8] }), b: entry({ shape: [1], data_offsets: [4, 12] }) }, d16),
    /overlap the previous tensor/,
  );
  expectError(
    rawFile({ a: entry({ shape: [1], data_offsets: [8, 16] }) }, d16),
    /bytes \[0, 8\) of the data buffer belong to no tensor/,
  );
  expectError(
    rawFile({ a: entry({ shape: [1], data_offsets: [0, 8] }) }, d16),
    /data buffer has 16 bytes but the tensors cover 8/,
  );
});

test('F32 files are read, widened exactly to f64, and written on request (rounded to nearest)', () => {
  const data = new Uint8Array(12);
  const dv = new DataView(data.buffer);
  [0.1, -3.5, 3e38].forEach((x, i) => dv.setFloat32(i * 4, x, true));
  const back = decodeSafetensors(rawFile({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 12] } }, data));
  assert.equal(Array.from(back.tensors.get('w')!.data), [Math.fround(0.1), -3.5, Math.fround(3e38)]);

  const bytes = encodeSafetensors(sample(), { a: 'b' }, { dtype: 'F32' });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  assert.equal(header['layers.0.weight'], { dtype: 'F32', shape: [2, 3], data_offsets: [12, 36] });
  const read = decodeSafetensors(bytes);
  for (const [name, t] of Object.entries(sample())) {
    assert.equal(Array.from(read.tensors.get(name)!.data), Array.from(t.data, Math.fround), name);
  }
  assert.equal(read.metadata, { a: 'b' });
  assert.is(bytes.length - 8 - n, 4 * 10, 'ten values of four bytes');
});

test('the writer refuses what it cannot represent', () => {
  assert.throws(
    () => encodeSafetensors({ t: { shape: [1], data: new Float64Array([1e39]) } }, {}, { dtype: 'F32' }),
    /tensors.t.data\[0\]: expected a value within float32 range/,
  );
  assert.throws(() => encodeSafetensors({}, {}, { dtype: 'BF16' as 'F32' }), /dtype: expected one of "F64", "F32"/);
  assert.throws(() => encodeSafetensors({}, {}, { dype: 'F32' } as never), /dype: unknown key/);
  assert.throws(
    () => encodeSafetensors({ t: { shape: [3], data: new Float64Array(2) } }),
    /tensors.t: expected data of 3 values for shape \[3\]/,
  );
  assert.throws(() => encodeSafetensors({ t: { shape: [1.5], data: new Float64Array(2) } }), /tensors.t.shape/);
  assert.throws(
    () => encodeSafetensors({ __metadata__: { shape: [1], data: new Float64Array(1) } }),
    /tensors: expected names other than/,
  );
  assert.throws(() => encodeSafetensors({}, { n: 3 as unknown as string }), /metadata.n: expected a string/);
});

test.run();
