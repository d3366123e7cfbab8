// Option names are checked: a name CacheOptions does not have is refused with ERR_OPTIONS naming it
// and listing the allowed names, so `createCacheSync({ max: 1000, ttl: 5000 })` (lru-cache's names)
// fails instead of silently giving a 64 MB cache with no TTL. lru-cache's names get a hint.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CacheError, createCache, createCacheSync, fromBytes, loadCache, type CacheOptions } from '../src/index.js';
import { CACHE_OPTIONS } from '../src/options.js';

const ALLOWED = 'maxMemory, maxEntries, defaultTtl, policy, maxKeySize, maxValueSize, now, activeExpiry, module, snapshot, hotTier, onRemove, shared, shards, lockTimeoutMs';
const dir = mkdtempSync(join(tmpdir(), 'wc-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The CacheError `call` throws or rejects with (fails if it does neither). */
async function refusal(call: () => unknown): Promise<CacheError> {
  let err: unknown;
  try {
    await call();
  } catch (e) {
    err = e;
  }
  expect(err, 'the call was refused').toBeInstanceOf(CacheError);
  expect((err as CacheError).code).toBe('ERR_OPTIONS');
  return err as CacheError;
}

const bad = (o: Record<string, unknown>) => o as unknown as CacheOptions;

describe('unknown option names', () => {
  it('the allowed names are exactly CacheOptions', () => {
    expect(CACHE_OPTIONS.join(', ')).toBe(ALLOWED);
  });

  it('createCacheSync, createCache, loadCache and fromBytes refuse them, naming each and listing the allowed', async () => {
    const cache = createCacheSync({ maxMemory: '1mb' });
    cache.set('k', 'v');
    const path = join(dir, 'ok.wcs');
    await cache.save(path);
    const bytes = cache.toBytes();
    cache.dispose();
    const options = bad({ maxMemory: '1mb', colour: 'blue' });
    for (const call of [
      () => createCacheSync(options),
      () => createCache(options),
      () => loadCache(path, options),
      () => fromBytes(bytes, options),
    ]) {
      const e = await refusal(call);
      expect(e.message).toBe(`unknown option 'colour'; the options are ${ALLOWED}`);
    }
  });

  it("lru-cache's names get a hint: max, ttl, maxSize, dispose (and the rest of the message lists them all)", async () => {
    const e = await refusal(() => createCacheSync(bad({ max: 1000, ttl: 5000 })));
    expect(e.message).toBe(
      `unknown options 'max' (lru-cache's name; use 'maxEntries'), 'ttl' (lru-cache's name; use 'defaultTtl'); the options are ${ALLOWED}`,
    );
    expect((await refusal(() => createCacheSync(bad({ maxSize: 5000 })))).message).toContain(
      "'maxSize' (lru-cache's name; use 'maxMemory')",
    );
    expect((await refusal(() => createCacheSync(bad({ dispose: () => {} })))).message).toContain(
      "'dispose' (lru-cache's name; use 'onRemove')",
    );
    expect((await refusal(() => createCacheSync(bad({ ttlAutopurge: true })))).message).toContain("use 'activeExpiry'");
    expect((await refusal(() => createCacheSync(bad({ maxEntrySize: 10 })))).message).toContain("use 'maxValueSize'");
  });

  it('a known name in the wrong case (Redis spells it maxmemory) gets a did-you-mean', async () => {
    const e = await refusal(() => createCacheSync(bad({ maxmemory: '1mb', DefaultTTL: 5 })));
    expect(e.message).toBe(
      `unknown options 'maxmemory' (did you mean 'maxMemory'?), 'DefaultTTL' (did you mean 'defaultTtl'?); the options are ${ALLOWED}`,
    );
  });

  it('an unknown name is refused even with the value undefined, and before any other check', async () => {
    expect((await refusal(() => createCacheSync(bad({ max: undefined })))).message).toMatch(/^unknown option 'max'/);
    // maxMemory is out of range too, but the unknown name is what gets reported.
    expect((await refusal(() => createCacheSync(bad({ maxMemory: 1, typo: 1 })))).message).toMatch(/^unknown option 'typo'/);
  });

  it('snapshot options are checked too', async () => {
    const e = await refusal(() => createCacheSync(bad({ snapshot: { path: join(dir, 's.wcs'), interval: 1000 } })));
    expect(e.message).toBe("unknown snapshot option 'interval'; snapshot is { path: string, intervalMs?: number }");
  });

  it('options that are not an object are refused with the allowed names', async () => {
    for (const o of [[], 5, 'big', null]) {
      const e = await refusal(() => createCacheSync(o as unknown as CacheOptions));
      expect(e.message).toBe(`options must be an object with the options ${ALLOWED}`);
    }
  });

  it('every allowed name is still accepted, and omitting options is fine', async () => {
    const module = new WebAssembly.Module((await import('node:fs')).readFileSync(join(import.meta.dirname, '..', 'build', 'core.wasm')));
    const all: Required<CacheOptions> = {
      maxMemory: '1mb',
      maxEntries: 10,
      defaultTtl: 1000,
      policy: 'lru',
      maxKeySize: 100,
      maxValueSize: 1000,
      now: Date.now,
      activeExpiry: false,
      module,
      snapshot: { path: join(dir, 'all.wcs'), intervalMs: 0 },
      hotTier: { maxEntries: 100, maxBytes: '1mb' },
      onRemove: () => {},
      shared: false,
      shards: 1,
      lockTimeoutMs: 1000,
    };
    expect(Object.keys(all).join(', ')).toBe(ALLOWED);
    const cache = createCacheSync(all);
    cache.set('a', 1);
    expect(cache.get('a')).toBe(1);
    expect(cache.ttl('a')).toBeGreaterThan(0);
    cache.dispose();
    const plain = createCacheSync();
    plain.set('b', 2);
    expect(plain.get('b')).toBe(2);
    plain.dispose();
  });
});
