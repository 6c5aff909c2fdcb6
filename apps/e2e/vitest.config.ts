import { defineConfig } from 'vitest/config';
// One daemon + one browser for the whole suite; the steps build on each other, so files run one at a time.
export default defineConfig({ test: { include: ['src/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 120_000, fileParallelism: false } });
