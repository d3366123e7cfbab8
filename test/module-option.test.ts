// createCache({ module }) / createCacheSync({ module }): a precompiled core instead of the inlined one.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CacheError, createCache, createCacheSync } from '../src/index.js';

const wasm = join(dirname(fileURLToPath(import.meta.url)), '..', 'build', 'core.wasm');
const core = new WebAssembly.Module(readFileSync(wasm));

describe('options.module', () => {
  it('creates caches over a precompiled module, each with its own memory', async () => {
    const a = await createCache({ module: core, maxMemory: '1mb' });
    const b = createCacheSync({ module: core, maxMemory: '1mb', policy: 'lru' });
    a.set('k', 'a');
    b.set('k', { b: true });
    expect([a.get('k'), b.get('k'), a.size, b.size, b.stats().policy]).toEqual(['a', { b: true }, 1, 1, 'lru']);
    a.dispose();
    b.dispose();
  });

  it('rejects anything but a WebAssembly.Module with ERR_OPTIONS', async () => {
    for (const module of [readFileSync(wasm), {}, 'core.wasm', null]) {
      const sync = (() => {
        try {
          createCacheSync({ module: module as unknown as WebAssembly.Module });
        } catch (e) {
          return e;
        }
      })();
      expect(sync).toBeInstanceOf(CacheError);
      expect((sync as CacheError).code).toBe('ERR_OPTIONS');
      await expect(createCache({ module: module as unknown as WebAssembly.Module })).rejects.toMatchObject({ code: 'ERR_OPTIONS' });
    }
  });
});
