import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { messageOf } from '../core/index.js';

export type ImageType = 'jpeg' | 'png' | 'gif' | 'webp';

/** Why bytes are not a usable image: the server answers 415 for the first two, 400 for a truncated one. */
type ImageProblem = 'empty' | 'unknown-type' | 'truncated' | 'unreadable';

export type ImageInspection =
  | { isValid: true; sha256: string; type: ImageType; bytes: number }
  | { isValid: false; sha256: string | null; problem: ImageProblem; reason: string };

// The type comes from the bytes, never from a file name or a client's Content-Type.
function sniffType(bytes: Buffer): ImageType | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (bytes.subarray(0, 4).toString('latin1') === 'GIF8') return 'gif';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'webp';
  return undefined;
}

// A cheap truncation test that needs no decoding: a whole JPEG ends with the EOI marker (FF D9),
// possibly followed by a little padding; a whole PNG holds its IEND chunk. `data images` decodes fully.
const JPEG_TAIL_BYTES = 4096;
function isComplete(bytes: Buffer, type: ImageType): boolean {
  if (type === 'jpeg') return bytes.subarray(-JPEG_TAIL_BYTES).includes(Buffer.from([0xff, 0xd9]));
  if (type === 'png') return bytes.subarray(-64).includes(Buffer.from('IEND', 'latin1'));
  return true;
}

/**
 * Says whether image bytes are usable: the real type from their first bytes (a PNG named .jpg is
 * a valid PNG), a completeness check, and their sha256. Shared by `data import` (files) and the
 * API (uploads), so both accept the same images. Never throws.
 */
export function inspectImageBytes(bytes: Buffer): ImageInspection {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (bytes.length === 0) return { isValid: false, sha256, problem: 'empty', reason: 'empty file (0 bytes)' };
  const type = sniffType(bytes);
  if (type === undefined) return { isValid: false, sha256, problem: 'unknown-type', reason: 'not an image (unknown file signature)' };
  if (!isComplete(bytes, type)) return { isValid: false, sha256, problem: 'truncated', reason: `truncated ${type} (no end marker)` };
  return { isValid: true, sha256, type, bytes: bytes.length };
}

/** Reads one image file and inspects its bytes (inspectImageBytes). Never throws. */
export async function inspectImage(filePath: string): Promise<ImageInspection> {
  let bytes: Buffer;
  try {
    bytes = await readFile(filePath);
  } catch (error: unknown) {
    return { isValid: false, sha256: null, problem: 'unreadable', reason: `cannot read the file: ${messageOf(error)}` };
  }
  return inspectImageBytes(bytes);
}
