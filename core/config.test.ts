import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { AppError } from './errors.js';

describe('loadConfig', () => {
  it('parses the S3 store and MLflow settings with the rest', () => {
    const config = loadConfig(
      {
        RAKUTEN_ML_S3_BUCKET: 'models',
        RAKUTEN_ML_S3_PREFIX: 'team-a/',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9000',
        AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9001',
        AWS_DEFAULT_REGION: 'eu-west-3',
        MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000',
      },
      { home: '/tmp/h' },
      '/tmp',
    );
    // The S3-specific endpoint wins over the general one, as in the AWS SDK.
    expect(config.s3).toEqual({ bucket: 'models', prefix: 'team-a/', endpoint: 'http://127.0.0.1:9001', region: 'eu-west-3' });
    expect(config.mlflow).toEqual({ trackingUri: 'http://127.0.0.1:5000' });
  });

  it('leaves the store local and MLflow off when their settings are unset or empty', () => {
    const config = loadConfig({ RAKUTEN_ML_S3_BUCKET: '', MLFLOW_TRACKING_URI: '', AWS_REGION: 'eu-west-3' }, { home: '/tmp/h' }, '/tmp');
    expect(config.s3).toBeUndefined();
    expect(config.mlflow).toBeUndefined();
  });

  it('names every bad key at once', () => {
    let caught: unknown;
    try {
      loadConfig({ MLFLOW_TRACKING_URI: 'not a url', RAKUTEN_ML_S3_BUCKET: 'b', AWS_ENDPOINT_URL: 'nope' }, { home: '/tmp/h' }, '/tmp');
    } catch (error: unknown) {
      caught = error;
    }
    if (!(caught instanceof AppError)) throw new Error('expected an AppError');
    expect(caught.code).toBe('CONFIG_INVALID');
    expect(caught.message).toContain('mlflow.trackingUri');
    expect(caught.message).toContain('s3.endpoint');
  });
});
