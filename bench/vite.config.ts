/**
 * Builds the benchmark page (bench/index.html -> bench/dist) for the Chromium half of
 * `npm run bench`, which serves it with `vite preview`. The bench folder is the root; the kernels
 * it imports live above it, inside the workspace root Vite already allows.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  logLevel: 'warn',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4000 },
  preview: { host: '127.0.0.1' },
});
