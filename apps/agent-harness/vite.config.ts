import { defineConfig } from 'vite';

// The page is served by the harness itself from dist/page, so assets use relative URLs.
export default defineConfig({
  root: 'src/page',
  base: './',
  build: { outDir: '../../dist/page', emptyOutDir: true, target: 'es2022' },
});
