// Symbol.dispose and Symbol.asyncDispose: `using` and `await using` dispose the cache at the end of
// the block (with options.snapshot, after the final save), as dispose() does.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInContext, createContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createCache, createCacheSync, loadCache, type Cache } from '../src/index.js';
import { requireFile, root } from './runtimes/package.js';

const disposed = expect.objectContaining({ code: 'ERR_DISPOSED' });

describe('Symbol.dispose / Symbol.asyncDispose', () => {
  it('the runtime has both symbols (Node >= 20.4), and the cache is keyed by them', () => {
    expect(typeof Symbol.dispose).toBe('symbol');
    expect(typeof Symbol.asyncDispose).toBe('symbol');
    const cache = createCacheSync({ maxMemory: '256kb' });
    expect(typeof cache[Symbol.dispose]).toBe('function');
    expect(typeof cache[Symbol.asyncDispose]).toBe('function');
    cache.dispose();
  });

  it('`using` disposes the cache at the end of the block, after the final snapshot save', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'wasmcache-dispose-')), 'c.wcs');
    let outside: Cache<{ n: number }> | undefined;
    {
      using cache = createCacheSync<{ n: number }>({ maxMemory: '1mb', snapshot: { path } });
      cache.set('a', { n: 1 });
      outside = cache;
      expect(cache.get('a')).toEqual({ n: 1 });
      expect(existsSync(path)).toBe(false); // no interval: the only save is on dispose
    }
    expect(() => outside!.get('a')).toThrow(disposed);
    expect(outside.lastSaveError).toBeUndefined();
    const back = await loadCache<{ n: number }>(path, { maxMemory: '1mb' });
    expect(back.get('a')).toEqual({ n: 1 });
    back.dispose();
  });

  it('`await using` disposes (and saves) by the time the block is left; a second dispose is a no-op', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'wasmcache-dispose-')), 'c.wcs');
    let outside: Cache | undefined;
    {
      await using cache = await createCache({ maxMemory: '1mb', snapshot: { path, intervalMs: 0 } });
      cache.set('k', 'v');
      outside = cache;
    }
    expect(() => outside!.set('k', 'w')).toThrow(disposed);
    expect(existsSync(path)).toBe(true);
    await expect(outside[Symbol.asyncDispose]()).resolves.toBeUndefined();
    outside[Symbol.dispose]();
    const back = await loadCache(path, { maxMemory: '1mb' });
    expect(back.get('k')).toBe('v');
    back.dispose();
  });

  it('disposes when the block throws', () => {
    let outside: Cache | undefined;
    expect(() => {
      using cache = createCacheSync({ maxMemory: '256kb' });
      outside = cache;
      throw new Error('boom');
    }).toThrow('boom');
    expect(() => outside!.has('x')).toThrow(disposed);
  });

  it('loads where the runtime has no Symbol.dispose (a vm realm): keyed by the Symbol.for() fallback esbuild\'s `using` uses', () => {
    const dist = requireFile(join(root, 'dist', 'index.cjs'), 'run `npm run build`');
    const ctx = createContext({ module: { exports: {} }, TextEncoder, TextDecoder, WebAssembly, setInterval, clearInterval, atob });
    runInContext(`var exports = module.exports;\n${readFileSync(dist, 'utf8')}`, ctx);
    const result = runInContext(
      `const c = module.exports.createCacheSync({ maxMemory: '256kb' });
      c.set('a', 1);
      const d = Symbol.for('Symbol.dispose');
      const kinds = [typeof Symbol.dispose, typeof c[d], typeof c[Symbol.for('Symbol.asyncDispose')]];
      c[d]();
      let code;
      try { c.get('a'); } catch (e) { code = e.code; }
      JSON.stringify({ kinds, code, undefinedKey: Object.getOwnPropertyNames(module.exports.Cache.prototype).includes('undefined') });`,
      ctx,
    ) as string;
    expect(JSON.parse(result)).toEqual({ kinds: ['undefined', 'function', 'function'], code: 'ERR_DISPOSED', undefinedKey: false });
  });
});
