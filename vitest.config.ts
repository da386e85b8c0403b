import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    // tfjs kernels and image work are CPU-bound; two cores means two workers at most.
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    globalSetup: ['test/global-setup.ts'],
    env: {
      // The AWS SDK warns on Node 20 that its releases after January 2027 will need Node 22; the
      // locked 3.1175.0 supports Node 20, and the move to Node 24 is README's "Node" section. The
      // notice is printed once per test worker, burying real warnings.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
