// A safetensors header is bounded before it is parsed: nesting deeper than any valid header and more
// tensors than MAX_TENSORS are refused with a SafetensorsError, cheaply (no stack overflow building
// a message, no million objects parsed before the refusal).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeSafetensors, SafetensorsError } from '../../src/io/safetensors.js';
import { MAX_TENSORS } from '../../src/config/limits.js';
import { refusedCheaply } from '../helpers/refused-cheaply.js';

/** A file of this header text (padded to 8 bytes) and `data` bytes. */
function file(header: string, data = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(header);
  const length = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + length + data.length).fill(0x20, 8, 8 + length);
  new DataView(out.buffer).setBigUint64(0, BigInt(length), true);
  out.set(json, 8);
  out.set(data, 8 + length);
  return out;
}

const refused = (bytes: Uint8Array, pattern: RegExp) =>
  assert.throws(
    () => decodeSafetensors(bytes),
    (e: unknown) => {
      if (!(e instanceof SafetensorsError)) throw e;
      return pattern.test(e.message);
    },
  );

test('a 5,000-deep nested shape is a SafetensorsError about nesting, not a stack overflow', () => {
  const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
  refused(file(`{"a":{"dtype":"F64","shape":${deep},"data_offsets":[0,0]}}`), /header nests 4 levels deep.*at most 3/);
  refused(file(`{"__metadata__":${'{"a":'.repeat(5000)}"x"${'}'.repeat(5000)}}`), /nests/);
  // brackets inside strings are text, not nesting
  const { metadata } = decodeSafetensors(file(`{"__metadata__":{"note":"[[[[{{{{\\"]]"}}`));
  assert.is(metadata.note, '[[[[{{{{"]]');
});

test('more tensors than MAX_TENSORS are refused before the header is parsed', () => {
  const entry = (i: number) => `"t${i}":{"dtype":"F64","shape":[0],"data_offsets":[0,0]}`;
  const many = (n: number) => `{${Array.from({ length: n }, (_, i) => entry(i)).join(',')}}`;
  assert.is(decodeSafetensors(file(many(MAX_TENSORS))).tensors.size, MAX_TENSORS);
  refused(file(many(MAX_TENSORS + 1)), new RegExp(`more than ${MAX_TENSORS} tensors`));
  // 200,000 entries (12 MB): refused without parsing them (parsing alone would allocate far more)
  refusedCheaply(file(many(200_000)), /more than \d+ tensors/, (_rt, bytes) => decodeSafetensors(bytes));
});

test.run();
