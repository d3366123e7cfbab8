// loadCache's reads ahead (src/snapshot-read.ts): the file is read in windows into the top of the
// new cache's pages while the core stores the window before. The loaded cache must hold exactly
// what was saved whatever the windows cut (blocks, block headers, values larger than a block, a
// short last window), blocks near the windows must be stored safely (fenced), and every bad file,
// including one that changes or fails while it is read, must be refused with a CacheError.
import fs, { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CacheError, createCacheSync, loadCache, type CacheOptions } from '../src/index.js';
import { prng } from './helpers/prng.js';
import { contents } from './helpers/contents.js';
import { xxh64low } from './helpers/xxh64.js';

const dir = mkdtempSync(join(tmpdir(), 'wasmcache-read-'));
const NOW = 1_700_000_000_000;
const options: CacheOptions = { maxMemory: '64mb', activeExpiry: false, now: () => NOW };


/** A cache of `n` mixed items (strings, bytes, JSON, byte keys, TTLs; every 500th value larger than a block), saved to a file. */
async function saved(name: string, n: number, seed: number, memory: CacheOptions['maxMemory'] = '64mb'): Promise<{ path: string; want: string; items: number }> {
  const r = prng(seed);
  const cache = createCacheSync({ ...options, maxMemory: memory });
  for (let i = 0; i < n; i++) {
    const size = i % 500 === 499 ? 300_000 + Math.floor(r() * 100_000) : Math.floor(r() * 2000);
    const ttl = i % 3 === 0 ? { ttl: 3_600_000 + i } : undefined;
    if (i % 4 === 0) cache.set(`s:${i}`, 'x'.repeat(size), ttl);
    else if (i % 4 === 1) cache.set(Buffer.from(`b:${i}`), new Uint8Array(size).fill(i & 0xff), ttl);
    else if (i % 4 === 2) cache.set(`j:${i}`, { i, text: 'y'.repeat(size), list: [[[i]]] }, ttl);
    else cache.set(`t:${i}`, String(i).repeat(1 + (size >> 4)), ttl);
  }
  const path = join(dir, `${name}.wcs`);
  await cache.save(path);
  const result = { path, want: contents(cache), items: cache.size };
  cache.dispose();
  return result;
}

/** fs.read calls (the reads ahead) during `run`. */
async function countingReads<T>(run: () => Promise<T>): Promise<{ result: T; reads: number }> {
  const spy = vi.spyOn(fs, 'read');
  try {
    const result = await run();
    return { result, reads: spy.mock.calls.length };
  } finally {
    spy.mockRestore();
  }
}

async function refused(path: string, codes: string[], extra: CacheOptions = {}): Promise<CacheError> {
  let err: unknown;
  try {
    (await loadCache(path, { ...options, ...extra })).dispose();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(CacheError);
  expect(codes).toContain((err as CacheError).code);
  return err as CacheError;
}

afterEach(() => vi.restoreAllMocks());

describe('loadCache reads ahead', () => {
  it('holds exactly what was saved: many windows, the last one short, values larger than a block among them', async () => {
    const { path, want, items } = await saved('mixed', 12_000, 1);
    expect(fs.statSync(path).size).toBeGreaterThan(8 << 20); // several 1 MiB windows
    const { result: cache, reads } = await countingReads(() => loadCache(path, options));
    expect(reads).toBeGreaterThan(4); // the windows were read on the thread pool
    expect(cache.size).toBe(items);
    expect(contents(cache)).toBe(want);
    expect(cache.checkInvariants()).toBe(0);
    cache.dispose();
  }, 60_000);

  it('pages faulted ahead from /dev/zero (src/prefault.ts) never reach the items; without /dev/zero the load is the same', async () => {
    const { path, want, items } = await saved('prefault', 30_000, 4, '128mb');
    expect(fs.statSync(path).size).toBeGreaterThan(24 << 20); // enough for reads of /dev/zero
    const open = vi.spyOn(fs, 'openSync');
    const read = vi.spyOn(fs, 'read');
    const cache = await loadCache(path, { ...options, maxMemory: '128mb' });
    const zero = open.mock.calls.findIndex(([p]) => p === '/dev/zero');
    expect(zero).toBeGreaterThanOrEqual(0);
    const zeroFd = open.mock.results[zero].value as number;
    // At least the top chunk is read; how many more depends on how fast the stores catch up (a loaded CI machine: one).
    expect(read.mock.calls.filter(([fd]) => fd === zeroFd).length).toBeGreaterThanOrEqual(1);
    expect(cache.size).toBe(items);
    expect(contents(cache)).toBe(want);
    expect(cache.checkInvariants()).toBe(0);
    cache.dispose();
    vi.restoreAllMocks();
    const realOpen = fs.openSync;
    vi.spyOn(fs, 'openSync').mockImplementation(((p: fs.PathLike, ...rest: unknown[]) => {
      if (p === '/dev/zero') throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
      return (realOpen as (...a: unknown[]) => number)(p, ...rest);
    }) as typeof fs.openSync);
    const without = await loadCache(path, { ...options, maxMemory: '128mb' });
    expect(contents(without)).toBe(want);
    expect(without.checkInvariants()).toBe(0);
    without.dispose();
  }, 60_000);

  it('reads of /dev/zero that are slow: the stores wait at the fence below them, and nothing stored is zeroed', async () => {
    const { path, want, items } = await saved('prefault-slow', 30_000, 5, '128mb');
    const zeroFds = new Set<number>();
    const realOpen = fs.openSync;
    vi.spyOn(fs, 'openSync').mockImplementation(((p: fs.PathLike, ...rest: unknown[]) => {
      const fd = (realOpen as (...a: unknown[]) => number)(p, ...rest);
      if (p === '/dev/zero') zeroFds.add(fd);
      return fd;
    }) as typeof fs.openSync);
    const realRead = fs.read;
    let late = 0;
    vi.spyOn(fs, 'read').mockImplementation(((...args: unknown[]) => {
      const go = () => (realRead as (...a: unknown[]) => void)(...args);
      if (zeroFds.has(args[0] as number)) {
        late++;
        setTimeout(go, 40); // the kernel writes the zeros 40 ms late: by then the stores have caught up
      } else go();
    }) as typeof fs.read);
    const cache = await loadCache(path, { ...options, maxMemory: '128mb' });
    expect(late).toBeGreaterThanOrEqual(1);
    expect(cache.size).toBe(items);
    expect(contents(cache)).toBe(want);
    expect(cache.checkInvariants()).toBe(0);
    cache.dispose();
  }, 60_000);

  it('a snapshot of small blocks (a small cache wrote it): windows end inside blocks and block headers', async () => {
    const { path, want, items } = await saved('small-blocks', 3000, 2, '3mb');
    const { result: cache, reads } = await countingReads(() => loadCache(path, options));
    expect(reads).toBeGreaterThan(1);
    expect(cache.size).toBe(items);
    expect(contents(cache)).toBe(want);
    expect(cache.checkInvariants()).toBe(0);
    cache.dispose();
  }, 60_000);

  it('into a cache the snapshot nearly fills, or overfills: blocks near the windows are stored from the scratch region', async () => {
    const { path, want, items } = await saved('full', 40_000, 3);
    const same = await loadCache(path, options); // the items reach the windows at the top of the pages
    expect(same.size).toBe(items);
    expect(contents(same)).toBe(want);
    expect(same.checkInvariants()).toBe(0);
    same.dispose();
    const small = await loadCache(path, { ...options, maxMemory: '40mb' });
    expect(small.size).toBeGreaterThan(0);
    expect(small.size).toBeLessThan(items);
    expect(small.checkInvariants()).toBe(0);
    // Every item it kept is the saved one.
    const saved1 = new Map(want.split('\n').map((row) => [row.slice(0, row.indexOf('=')), row]));
    for (const row of contents(small).split('\n')) expect(saved1.get(row.slice(0, row.indexOf('=')))).toBe(row);
    small.dispose();
  }, 120_000);

  it('truncated at random offsets, or a bit flipped at random positions: refused', async () => {
    const { path } = await saved('damage', 6000, 4);
    const good = readFileSync(path);
    const r = prng(5);
    const bad = join(dir, 'bad.wcs');
    for (let i = 0; i < 25; i++) {
      writeFileSync(bad, good.subarray(0, Math.floor(r() * good.length)));
      await refused(bad, ['ERR_SNAPSHOT_TRUNCATED', 'ERR_SNAPSHOT_MAGIC']);
      const flipped = Buffer.from(good);
      flipped[Math.floor(r() * flipped.length)] ^= 1 << Math.floor(r() * 8);
      writeFileSync(bad, flipped);
      await refused(bad, ['ERR_SNAPSHOT_CHECKSUM', 'ERR_SNAPSHOT_MAGIC', 'ERR_SNAPSHOT_CORRUPT', 'ERR_SNAPSHOT_TRUNCATED']);
    }
  }, 120_000);

  it('a record the format does not allow, behind a valid checksum, deep in the file: refused', async () => {
    const { path } = await saved('crafted', 6000, 6);
    const bytes = new Uint8Array(readFileSync(path));
    const dv = new DataView(bytes.buffer);
    // The first block past 3 MB: its first record's reserved word set, the block's checksum made good.
    let at = 40;
    while (at < 3 << 20) at += 12 + dv.getUint32(at + 8, true) + 4;
    const payload = dv.getUint32(at + 8, true);
    dv.setUint32(at + 12 + 12, 7, true);
    dv.setUint32(at + 12 + payload, xxh64low(bytes.subarray(at, at + 12 + payload)), true);
    const crafted = join(dir, 'crafted-bad.wcs');
    writeFileSync(crafted, bytes);
    const err = await refused(crafted, ['ERR_SNAPSHOT_CORRUPT']);
    expect(err.message).toMatch(new RegExp(`item at byte ${at + 12}: reserved word is 7`));
  }, 60_000);

  it('a file that shrinks or changes while it is read, or a read that fails: refused, and no read is left running', async () => {
    const { path } = await saved('changing', 6000, 7);
    const good = readFileSync(path);
    const during = async (change: (call: number) => void, codes: string[]) => {
      const copy = join(dir, 'changing-copy.wcs');
      writeFileSync(copy, good);
      const read = fs.read;
      let calls = 0;
      const spy = vi.spyOn(fs, 'read').mockImplementation(((...args: Parameters<typeof fs.read>) => {
        change(++calls);
        return (read as (...a: unknown[]) => void)(...args);
      }) as typeof fs.read);
      try {
        return await refused(copy, codes);
      } finally {
        spy.mockRestore();
      }
    };
    const copy = join(dir, 'changing-copy.wcs');
    await during((call) => call === 3 && fs.truncateSync(copy, good.length >> 1), ['ERR_SNAPSHOT_TRUNCATED']);
    await during((call) => {
      if (call === 3) {
        const fd = fs.openSync(copy, 'r+');
        fs.writeSync(fd, new Uint8Array(4096).fill(0x55), 0, 4096, good.length >> 1);
        fs.closeSync(fd);
      }
    }, ['ERR_SNAPSHOT_CHECKSUM', 'ERR_SNAPSHOT_CORRUPT']);
    // A read that fails (an EIO from the disk): ERR_SNAPSHOT_IO, its cause the fs error.
    const read = fs.read;
    let calls = 0;
    vi.spyOn(fs, 'read').mockImplementation(((...args: unknown[]) => {
      if (++calls === 4) {
        const cb = args[args.length - 1] as (e: Error) => void;
        return void setImmediate(() => cb(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' })));
      }
      return (read as (...a: unknown[]) => void)(...args);
    }) as typeof fs.read);
    const err = await refused(path, ['ERR_SNAPSHOT_IO']);
    expect(err.message).toMatch(/could not read .*EIO/);
  }, 60_000);
});
