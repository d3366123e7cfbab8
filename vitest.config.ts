import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // src/keyv imports the package by name (the build keeps that import); tests run it over src.
    alias: [{ find: /^wasmcache$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) }],
  },
});
