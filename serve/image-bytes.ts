import { InputError } from '../core/index.js';
import { type ImageType, inspectImageBytes } from '../data/index.js';

export interface CheckedImage {
  bytes: Buffer;
  type: ImageType;
  sha256: string;
}

export const EXTENSION_OF: Record<ImageType, string> = { jpeg: 'jpg', png: 'png', webp: 'webp', gif: 'gif' };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * An uploaded image as bytes: a multipart file part (Buffer) or a base64 string (JSON, optionally a
 * `data:image/...;base64,` URL). Returns undefined when none was sent; refuses an oversized image
 * (413), bytes that are not an image (415) and a truncated one (400), by the same test as
 * `data import` (data/inspect-image.ts). Full decoding is left to the model's reader.
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
  const inspection = inspectImageBytes(bytes);
  if (inspection.isValid) return { bytes, type: inspection.type, sha256: inspection.sha256 };
  if (inspection.problem === 'truncated') {
    throw new InputError('IMAGE_UNREADABLE', `${field} is a ${inspection.reason}.`, { hint: 'Send the whole file.' });
  }
  throw new InputError('IMAGE_TYPE_UNSUPPORTED', `${field} is not a JPEG, PNG, WebP or GIF image.`, {
    hint: 'The type is read from the bytes, not the file name.',
  });
}
