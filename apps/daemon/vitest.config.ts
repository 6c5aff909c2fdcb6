import { defineConfig } from 'vitest/config';
// Daemon tests start real daemons and harnesses on fixed agent ports: one file at a time.
export default defineConfig({ test: { include: ['src/**/*.test.ts'], testTimeout: 180_000, hookTimeout: 180_000, fileParallelism: false } });
