// Builds the parts of the desktop app: the main process (electron/main.ts: window, IPC, no
// database), the database process (electron/db-process.ts: core/ with its native SQLite) and
// its settlement worker, the preload bridge, and the React renderer. `ventil serve` serves the
// same built renderer (out/renderer) to a browser.
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rolldownOptions: {
        input: {
          index: resolve(__dirname, 'electron/main.ts'),
          // The database process (a utilityProcess) and the settlement worker thread it starts.
          'db-process': resolve(__dirname, 'electron/db-process.ts'),
          'settle-worker': resolve(__dirname, 'core/api/settle-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rolldownOptions: {
        input: { index: resolve(__dirname, 'electron/preload.ts') },
        // A sandboxed preload must be a single CommonJS file.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    plugins: [react()],
    // The CSV writer (core/domain/csv.ts) runs in the page too: csv-stringify's browser build.
    resolve: { alias: [{ find: /^csv-stringify\/sync$/, replacement: 'csv-stringify/browser/esm/sync' }] },
    build: {
      outDir: 'out/renderer',
      minify: true,
      rolldownOptions: { input: { index: resolve(__dirname, 'renderer/index.html') } },
    },
  },
});
