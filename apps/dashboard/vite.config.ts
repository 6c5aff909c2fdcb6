import { defineConfig } from 'vite';

// Relative asset URLs: the daemon serves dist/ at `/` on the same origin as its API.
export default defineConfig({
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', reportCompressedSize: true, sourcemap: false },
});
