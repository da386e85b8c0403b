import { InputError } from '../../core/index.js';

/** Float32 arrays packed one after another into one little-endian file. */
export function packFloat32(arrays: readonly Float32Array[]): Uint8Array {
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const packed = new Float32Array(total);
  let offset = 0;
  for (const a of arrays) {
    packed.set(a, offset);
    offset += a.length;
  }
  return new Uint8Array(packed.buffer);
}

/** Splits a packed file back into arrays of the given lengths; a size mismatch is a corrupt bundle. */
export function unpackFloat32(bytes: Uint8Array, lengths: readonly number[]): Float32Array[] {
  const expected = lengths.reduce((n, l) => n + l, 0) * 4;
  if (bytes.byteLength !== expected) {
    throw new InputError('BUNDLE_CORRUPT', `Weight file holds ${bytes.byteLength} bytes, expected ${expected}.`);
  }
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const out: Float32Array[] = [];
  let offset = 0;
  for (const length of lengths) {
    out.push(all.slice(offset, offset + length));
    offset += length;
  }
  return out;
}
