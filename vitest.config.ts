import { defineConfig } from 'vitest/config';

// Integration tests start real etcd, FRR and server processes; on a 2-core machine they
// must not all run at once, and their timeouts must allow for process start-up.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    reporters: ['default'],
  },
});
