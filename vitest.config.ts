import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['__tests__/**/*.test.ts'],
    // Real processes (git, docker, devcontainer) are slow on two cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Docker end-to-end files share one engine; the rest stay parallel.
    fileParallelism: true,
    reporters: ['default'],
  },
});
