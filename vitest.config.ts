import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['engine/test/**/*.test.ts', 'gateway/test/**/*.test.ts', 'sim/test/**/*.test.ts'],
    testTimeout: 30_000,
  },
});
