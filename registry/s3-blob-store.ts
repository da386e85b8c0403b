import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { messageOf, UpstreamError } from '../core/index.js';
import { assertValidKey, type BlobStat, type BlobStore } from './blob-store.js';

export interface S3BlobStoreOptions {
  bucket: string;
  /** Prepended to every key, e.g. `team-a/`; empty by default. */
  prefix?: string;
  /** A custom endpoint (MinIO, s3rver…); path-style addressing is used with one. */
  endpoint?: string;
  region?: string;
  /** Left out, the SDK's default chain applies (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles…). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Attempts per request (SDK retries); default 3. */
  maxAttempts?: number;
  /** Files above this go up in parts of this size (lib-storage Upload); default 8 MiB. */
  partSizeBytes?: number;
}

const MIN_PART_BYTES = 5 * 1024 * 1024;

function isNotFound(error: unknown): boolean {
  if (error instanceof S3ServiceException) {
    return error.$metadata.httpStatusCode === 404 || error.name === 'NoSuchKey' || error.name === 'NotFound';
  }
  return false;
}

/** An S3 bucket (or any S3-protocol server). PutObject and multipart completion are atomic, so objects are. */
export class S3BlobStore implements BlobStore {
  readonly location: string;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #partSizeBytes: number;

  constructor(options: S3BlobStoreOptions) {
    this.#bucket = options.bucket;
    this.#prefix = options.prefix ?? '';
    this.#partSizeBytes = Math.max(MIN_PART_BYTES, options.partSizeBytes ?? 8 * 1024 * 1024);
    this.location = `s3://${options.bucket}/${this.#prefix}`;
    this.#client = new S3Client({
      ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
      region: options.region ?? 'us-east-1',
      ...(options.credentials ? { credentials: options.credentials } : {}),
      maxAttempts: options.maxAttempts ?? 3,
      // S3-compatible servers (MinIO, s3rver) do not all speak the SDK's default streaming checksums;
      // we check sha256 ourselves on pull, so only send checksums where S3 requires them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  #keyOf(key: string): string {
    assertValidKey(key);
    return `${this.#prefix}${key}`;
  }

  #fail(action: string, key: string, error: unknown): UpstreamError {
    return new UpstreamError(
      'STORE_UNREACHABLE',
      `S3 ${action} of ${this.location}${key} failed: ${messageOf(error)}`,
      {
        hint: 'Check AWS_ENDPOINT_URL, AWS_REGION, the credentials and RAKUTEN_ML_S3_BUCKET; a push can be rerun.',
        cause: error,
      },
    );
  }

  async putFile(key: string, file: string): Promise<void> {
    const objectKey = this.#keyOf(key);
    try {
      const upload = new Upload({
        client: this.#client,
        params: { Bucket: this.#bucket, Key: objectKey, Body: createReadStream(file) },
        partSize: this.#partSizeBytes,
        queueSize: 4,
        leavePartsOnError: false,
      });
      await upload.done();
    } catch (error: unknown) {
      throw this.#fail('upload', key, error);
    }
  }

  async putBytes(key: string, data: Uint8Array): Promise<void> {
    const objectKey = this.#keyOf(key);
    try {
      await this.#client.send(new PutObjectCommand({ Bucket: this.#bucket, Key: objectKey, Body: data }));
    } catch (error: unknown) {
      throw this.#fail('put', key, error);
    }
  }

  async getFile(key: string, file: string): Promise<boolean> {
    const objectKey = this.#keyOf(key);
    try {
      const response = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: objectKey }),
      );
      const body = response.Body;
      if (!body) return false;
      await mkdir(path.dirname(file), { recursive: true });
      await pipeline(Readable.fromWeb(body.transformToWebStream()), createWriteStream(file));
      return true;
    } catch (error: unknown) {
      if (isNotFound(error)) return false;
      throw this.#fail('download', key, error);
    }
  }

  async getBytes(key: string): Promise<Buffer | undefined> {
    const objectKey = this.#keyOf(key);
    try {
      const response = await this.#client.send(
        new GetObjectCommand({ Bucket: this.#bucket, Key: objectKey }),
      );
      return response.Body ? Buffer.from(await response.Body.transformToByteArray()) : undefined;
    } catch (error: unknown) {
      if (isNotFound(error)) return undefined;
      throw this.#fail('get', key, error);
    }
  }

  async stat(key: string): Promise<BlobStat | undefined> {
    const objectKey = this.#keyOf(key);
    try {
      const response = await this.#client.send(
        new HeadObjectCommand({ Bucket: this.#bucket, Key: objectKey }),
      );
      return { bytes: response.ContentLength ?? 0 };
    } catch (error: unknown) {
      if (isNotFound(error)) return undefined;
      throw this.#fail('head', key, error);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.#client.send(
          new ListObjectsV2Command({
            Bucket: this.#bucket,
            Prefix: `${this.#prefix}${prefix}`,
            ContinuationToken: token,
          }),
        );
        for (const item of page.Contents ?? []) {
          if (item.Key) keys.push(item.Key.slice(this.#prefix.length));
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (error: unknown) {
      throw this.#fail('list', prefix, error);
    }
    return keys.sort();
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }
}
