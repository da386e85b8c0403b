import { createHash } from 'node:crypto';
import { InputError } from '../core/index.js';

export type UploadImageType = 'jpeg' | 'png' | 'webp' | 'gif';

export interface CheckedImage {
  bytes: Buffer;
  type: UploadImageType;
  sha256: string;
}

export const EXTENSION_OF: Record<UploadImageType, string> = { jpeg: 'jpg', png: 'png', webp: 'webp', gif: 'gif' };

// The same signatures `data images` trusts (data/inspect-image.ts reads files, not bytes): the type
// comes from the bytes, never from a file name or a client's Content-Type.
function sniffType(bytes: Buffer): UploadImageType | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (bytes.subarray(0, 4).toString('latin1') === 'GIF8') return 'gif';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'webp';
  return undefined;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * An uploaded image as bytes: a multipart file part (Buffer) or a base64 string (JSON, optionally a
 * `data:image/...;base64,` URL). Returns undefined when none was sent; refuses an oversized image
 * (413), bytes that are not an image (415). Decoding (truncation) is checked by the model's reader.
 */
export function readUploadedImage(value: unknown, maxBytes: number, field = 'image'): CheckedImage | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let bytes: Buffer;
  if (Buffer.isBuffer(value)) {
    bytes = value;
  } else if (typeof value === 'string') {
    const base64 = value.replace(/^data:[^;,]*;base64,/, '').replace(/\s+/g, '');
    if (!BASE64.test(base64)) {
      throw new InputError('SERVE_REQUEST_INVALID', `${field} is not base64: send the image bytes base64-encoded, or use multipart.`);
    }
    bytes = Buffer.from(base64, 'base64');
  } else {
    throw new InputError('SERVE_REQUEST_INVALID', `${field} must be a base64 string (JSON) or a file part (multipart).`);
  }
  if (bytes.length > maxBytes) {
    throw new InputError('SERVE_PAYLOAD_TOO_LARGE', `${field} is ${bytes.length} bytes; the limit is ${maxBytes} bytes.`, {
      hint: 'Resize the photo; the models read it at most a few hundred pixels wide.',
    });
  }
  const type = sniffType(bytes);
  if (!type) {
    throw new InputError('IMAGE_TYPE_UNSUPPORTED', `${field} is not a JPEG, PNG, WebP or GIF image.`, {
      hint: 'The type is read from the bytes, not the file name.',
    });
  }
  return { bytes, type, sha256: createHash('sha256').update(bytes).digest('hex') };
}
