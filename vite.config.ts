/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// WGSL files are imported as text with `?raw`; the Node CLI gets the same through cli/raw-loader.mjs.
export default defineConfig({
  plugins: [react()],
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4000,
    // The app, plus the page script of e2e/training-parity.spec.ts (a script entry: the app's chunks stay as they are).
    rolldownOptions: { input: { index: 'index.html', parity: 'e2e/pages/parity.ts' } },
  },
  test: {
    include: ['kernels/**/*.test.ts', 'app/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
