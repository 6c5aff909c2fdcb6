import { defineConfig } from 'vitest/config';
// Pure logic only (diff splitting, backoff, display helpers); the rendered dashboard is tested in a real browser by apps/e2e.
export default defineConfig({ test: { include: ['src/**/*.test.ts'], environment: 'node' } });
