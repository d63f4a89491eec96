// The safetensors format (https://github.com/huggingface/safetensors), so PyTorch and JAX users can
// read taynode's weights with `safetensors.torch.load_file` / `safetensors.numpy.load_file`:
//   8 bytes   N, the header length, unsigned 64-bit little-endian
//   N bytes   a UTF-8 JSON object: name → { dtype, shape, data_offsets: [begin, end] } plus an optional
//             "__metadata__" map of string → string; padded with spaces (0x20) to a multiple of 8
//   rest      the byte buffer: every tensor's data, little-endian, row-major, contiguous;
//             data_offsets are relative to the start of the buffer
// F64 and F32 are read (F32 widened exactly to f64: PyTorch modules are float32 by default); F64 is
// written, or F32 on request (rounded to nearest, for float32 consumers). Bytes in, bytes out: no file system,
// so this runs in browsers; the CLI does the file I/O. Reading validates strictly and throws
// SafetensorsError naming what is wrong, so a corrupt or truncated file never loads half-read.
import { ArgumentError, TaynodeError } from '../errors.js';
import { checkKeys, checkOneOf } from '../config/strict.js';
import { MAX_TENSORS } from '../config/limits.js';

export interface NamedArray {
  /** Dimensions, outermost first; [] is a scalar. */
  shape: number[];
  data: Float64Array;
}

/** The element types taynode reads and writes, with their sizes in bytes. */
export const DTYPE_BYTES = { F64: 8, F32: 4 } as const;
export type Dtype = keyof typeof DTYPE_BYTES;

export interface EncodeOptions {
  /** element type written for every tensor (default F64, exact; F32 rounds each value to nearest) */
  dtype?: Dtype;
}

export interface SafetensorsContents {
  tensors: Map<string, NamedArray>;
  metadata: Record<string, string>;
}

/** A tensor whose header entry is validated but whose values are not yet read (widened to f64). */
export interface StoredTensor {
  dtype: Dtype;
  shape: number[];
  /** reads (and widens) the values: a new Float64Array every call */
  read(): Float64Array;
}

/** A file's header, validated; tensors are read on demand, so names and shapes can be checked first. */
export interface SafetensorsIndex {
  tensors: Map<string, StoredTensor>;
  metadata: Record<string, string>;
}

/** A safetensors file that cannot be read: the message says where and why. */
export class SafetensorsError extends TaynodeError {}

const METADATA_KEY = '__metadata__';
/** The keys of a tensor's header entry; any other is a corruption or a newer format we cannot honour. */
const ENTRY_KEYS = ['dtype', 'shape', 'data_offsets'];
/** The reference implementation refuses headers beyond 100 MB; so do we. */
const MAX_HEADER_BYTES = 100_000_000;
/** The deepest a valid header nests: the object, a tensor's entry, its shape or data_offsets array. */
const MAX_HEADER_DEPTH = 3;

/**
 * obj[key] = value as an own property even for "__proto__" (plain assignment would set the prototype:
 * the writer dropped such a tensor from the header, the reader such a metadata entry).
 */
function setOwn(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Serialises tensors (written in name order) and string metadata, as F64 or (options.dtype) F32. */
export function encodeSafetensors(
  tensors: Record<string, NamedArray> | Map<string, NamedArray>,
  metadata: Record<string, string> = {},
  options: EncodeOptions = {},
): Uint8Array {
  checkKeys(options, ['dtype'], '');
  const dtype = checkOneOf(options.dtype ?? 'F64', Object.keys(DTYPE_BYTES) as Dtype[], 'dtype');
  const size = DTYPE_BYTES[dtype];
  const entries = (tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors)).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const header: Record<string, unknown> = {};
  if (typeof metadata !== 'object' || metadata === null)
    throw new ArgumentError('metadata', 'an object of string values', metadata);
  const metaEntries = Object.entries(metadata);
  for (const [k, v] of metaEntries) if (typeof v !== 'string') throw new ArgumentError(`metadata.${k}`, 'a string', v);
  if (metaEntries.length > 0) header[METADATA_KEY] = { ...metadata };
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === METADATA_KEY || name.length === 0)
      throw new ArgumentError('tensors', `names other than "" and "${METADATA_KEY}"`, name);
    if (!(t.data instanceof Float64Array)) throw new ArgumentError(`tensors.${name}.data`, 'a Float64Array', t.data);
    if (!Array.isArray(t.shape) || t.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      throw new ArgumentError(`tensors.${name}.shape`, 'an array of non-negative integers', t.shape);
    }
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length)
      throw new ArgumentError(`tensors.${name}`, `data of ${count} values for shape [${t.shape.join(', ')}]`, t.data);
    if (dtype === 'F32') {
      const i = t.data.findIndex((v) => Number.isFinite(v) && !Number.isFinite(Math.fround(v)));
      if (i >= 0)
        throw new ArgumentError(
          `tensors.${name}.data[${i}]`,
          'a value within float32 range (F32 would store it as infinite)',
          t.data[i],
        );
    }
    setOwn(header, name, { dtype, shape: t.shape.slice(), data_offsets: [offset, offset + count * size] });
    offset += count * size;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  const base = 8 + headerLength;
  let at = base;
  for (const [, t] of entries) {
    if (dtype === 'F64') for (let i = 0; i < t.data.length; i++, at += 8) view.setFloat64(at, t.data[i], true);
    else for (let i = 0; i < t.data.length; i++, at += 4) view.setFloat32(at, t.data[i], true);
  }
  return out;
}

/** Parses and validates a safetensors file, reading every tensor. */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsContents {
  const { tensors, metadata } = indexSafetensors(bytes);
  const read = new Map<string, NamedArray>();
  tensors.forEach((t, name) => read.set(name, { shape: t.shape, data: t.read() }));
  return { tensors: read, metadata };
}

/**
 * Parses and validates a safetensors file's header and layout without reading any tensor: a loader
 * checks names and shapes first, so a file it will refuse costs no conversion.
 */
export function indexSafetensors(bytes: Uint8Array): SafetensorsIndex {
  if (!(bytes instanceof Uint8Array)) throw new ArgumentError('bytes', 'a Uint8Array', bytes);
  if (bytes.length < 8)
    throw new SafetensorsError(`safetensors: file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(bytes.length - 8)) {
    throw new SafetensorsError(
      `safetensors: header length ${declared} runs past the end of the file (${bytes.length - 8} bytes follow the length field): truncated or not a safetensors file`,
    );
  }
  const headerLength = Number(declared);
  if (headerLength > MAX_HEADER_BYTES)
    throw new SafetensorsError(`safetensors: header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (headerLength < 2)
    throw new SafetensorsError(`safetensors: header length ${headerLength} is too short for a JSON object`);

  checkHeaderStructure(bytes.subarray(8, 8 + headerLength));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    throw new SafetensorsError('safetensors: header is not valid UTF-8');
  }
  if (!text.startsWith('{'))
    throw new SafetensorsError(
      `safetensors: header must start with "{", starts with ${JSON.stringify(text.slice(0, 10))}`,
    );
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`safetensors: header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new SafetensorsError('safetensors: header must be a JSON object');

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const infos: { name: string; dtype: Dtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        throw new SafetensorsError(`safetensors: "${METADATA_KEY}" must be an object of strings`);
      for (const [k, v] of Object.entries(raw)) {
        if (typeof v !== 'string')
          throw new SafetensorsError(`safetensors: metadata "${k}" must be a string, got ${JSON.stringify(v)}`);
        setOwn(metadata, k, v);
      }
      continue;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new SafetensorsError(`safetensors: tensor "${name}": entry must be an object`);
    const unknown = Object.keys(raw).find((k) => !ENTRY_KEYS.includes(k));
    if (unknown !== undefined)
      throw new SafetensorsError(
        `safetensors: tensor "${name}": unknown key ${JSON.stringify(unknown)}; expected one of ${ENTRY_KEYS.join(', ')}`,
      );
    const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
    if (dtype !== 'F64' && dtype !== 'F32') {
      throw new SafetensorsError(
        `safetensors: tensor "${name}": dtype ${JSON.stringify(dtype)} is not supported (taynode reads F64 and F32)`,
      );
    }
    const size = DTYPE_BYTES[dtype];
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      throw new SafetensorsError(
        `safetensors: tensor "${name}": shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`,
      );
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || offsets.some((o) => !Number.isSafeInteger(o) || o < 0)) {
      throw new SafetensorsError(
        `safetensors: tensor "${name}": data_offsets must be two non-negative integers, got ${JSON.stringify(offsets)}`,
      );
    }
    const [begin, end] = offsets as number[];
    if (begin > end)
      throw new SafetensorsError(
        `safetensors: tensor "${name}": data_offsets [${begin}, ${end}] end before they begin`,
      );
    if (end > dataLength) {
      throw new SafetensorsError(
        `safetensors: tensor "${name}": data_offsets [${begin}, ${end}] run past the ${dataLength}-byte data buffer (truncated file?)`,
      );
    }
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== count * size) {
      throw new SafetensorsError(
        `safetensors: tensor "${name}": shape [${shape.join(', ')}] needs ${count * size} bytes of ${dtype} but data_offsets span ${end - begin}`,
      );
    }
    infos.push({ name, dtype, shape: shape as number[], begin, end });
    if (infos.length > MAX_TENSORS)
      throw new SafetensorsError(`safetensors: header lists more than ${MAX_TENSORS} tensors (MAX_TENSORS)`);
  }

  // The buffer must be covered exactly: sorted by begin, each tensor starts where the previous ended.
  const sorted = infos.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const info of sorted) {
    if (info.begin < expected)
      throw new SafetensorsError(
        `safetensors: tensor "${info.name}": data_offsets [${info.begin}, ${info.end}] overlap the previous tensor, which ends at ${expected}`,
      );
    if (info.begin > expected)
      throw new SafetensorsError(
        `safetensors: bytes [${expected}, ${info.begin}) of the data buffer belong to no tensor (before "${info.name}")`,
      );
    expected = info.end;
  }
  if (expected !== dataLength) {
    throw new SafetensorsError(
      `safetensors: the data buffer has ${dataLength} bytes but the tensors cover ${expected}: trailing bytes belong to no tensor`,
    );
  }

  const tensors = new Map<string, StoredTensor>();
  for (const info of infos) {
    const read = (): Float64Array => {
      const data = new Float64Array((info.end - info.begin) / DTYPE_BYTES[info.dtype]);
      if (info.dtype === 'F64')
        for (let i = 0, at = dataStart + info.begin; i < data.length; i++, at += 8) data[i] = view.getFloat64(at, true);
      else
        for (let i = 0, at = dataStart + info.begin; i < data.length; i++, at += 4) data[i] = view.getFloat32(at, true);
      return data;
    };
    tensors.set(info.name, { dtype: info.dtype, shape: info.shape.slice(), read });
  }
  return { tensors, metadata };
}

/**
 * One pass over the header's bytes before it is decoded or parsed: nesting beyond a valid header's
 * (a deep array would overflow the stack when quoted in a message) and more than MAX_TENSORS
 * top-level entries (a million would take seconds and a gigabyte to parse) are refused. The JSON
 * punctuation is ASCII, which never occurs inside a UTF-8 multi-byte sequence, so bytes suffice.
 */
function checkHeaderStructure(header: Uint8Array): void {
  let depth = 0;
  let commas = 0;
  for (let i = 0; i < header.length; i++) {
    const c = header[i];
    if (c === 0x22) {
      // a string: skip to its closing quote, past escapes
      for (i++; i < header.length && header[i] !== 0x22; i++) if (header[i] === 0x5c) i++;
    } else if (c === 0x7b || c === 0x5b) {
      // { [
      if (++depth > MAX_HEADER_DEPTH)
        throw new SafetensorsError(
          `safetensors: header nests ${depth} levels deep at byte ${i}; a valid header nests at most ${MAX_HEADER_DEPTH} (object, tensor entry, shape)`,
        );
    } else if (c === 0x7d || c === 0x5d) {
      // } ]
      depth--;
    } else if (c === 0x2c && depth === 1 && ++commas > MAX_TENSORS) {
      // entries = commas + 1, one may be the metadata
      throw new SafetensorsError(`safetensors: header lists more than ${MAX_TENSORS} tensors (MAX_TENSORS)`);
    }
  }
}
