// Snapshots: byte-exact round trips, TTLs kept as absolute times, and every kind of damage
// refused with a CacheError while the loading cache keeps exactly what it had.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { REG_INDEX_SLOTS } from '../assembly/abi.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { CacheError, createCache, createCacheSync, fromBytes, loadCache, type Cache, type CacheOptions } from '../src/index.js';
import { prng } from './helpers/prng.js';
import { contents } from './helpers/contents.js';
import { xxh64low } from './helpers/xxh64.js';

const here = dirname(fileURLToPath(import.meta.url));


function clocked(options: CacheOptions = {}) {
  const clock = { now: 1_700_000_000_000 };
  const cache = createCacheSync({ maxMemory: '64mb', activeExpiry: false, now: () => clock.now, ...options });
  return { cache, clock };
}

/** 100k mixed items: strings, bytes, JSON; string and byte keys; some with a TTL. */
function fillMixed(cache: Cache, n = 100_000): void {
  const r = prng(5);
  for (let i = 0; i < n; i++) {
    const key = i % 7 === 0 ? new TextEncoder().encode(`bin\u0000key:${i}`) : `key:${i}:ü`;
    const kind = i % 3;
    const value = kind === 0 ? `value ${i} ${'é'.repeat(i % 20)}` : kind === 1 ? new Uint8Array((r() * 600) | 0).map(() => (r() * 256) | 0) : { i, list: [i, `${i}`], ok: i % 2 === 0 };
    cache.set(key, value, i % 4 === 0 ? { ttl: 1000 + i } : undefined);
  }
}

describe('snapshot round trips', () => {
  it('100k mixed items come back byte-exact, through bytes and through a file', async () => {
    const { cache } = clocked();
    fillMixed(cache);
    const expected = contents(cache);

    const copy = clocked().cache;
    expect(copy.loadBytes(cache.toBytes())).toEqual({ items: 100_000, expired: 0, dropped: 0 });
    expect(contents(copy)).toBe(expected);

    const dir = mkdtempSync(join(tmpdir(), 'wcs-'));
    const path = join(dir, 'dump.wcs');
    expect(await cache.save(path)).toBe(100_000);
    expect(readdirSync(dir)).toEqual(['dump.wcs']); // no temporary file left behind
    const fromFile = clocked().cache;
    expect((await fromFile.load(path)).items).toBe(100_000);
    expect(contents(fromFile)).toBe(expected);

    const streamed = clocked().cache;
    await streamed.importSnapshot(cache.exportSnapshot());
    expect(contents(streamed)).toBe(expected);
    expect(streamed.checkInvariants()).toBe(0);
  }, 60_000);

  it('TTLs are absolute times: after a clock jump they have run down, and passed ones are skipped', () => {
    const { cache } = clocked();
    cache.set('short', 1, { ttl: 1_000 });
    cache.set('long', 2, { ttl: 60_000 });
    cache.set('forever', 3);
    const bytes = cache.toBytes();
    const later = clocked();
    later.clock.now += 10_000;
    expect(later.cache.loadBytes(bytes)).toEqual({ items: 2, expired: 1, dropped: 0 });
    expect(later.cache.ttl('long')).toBe(50_000);
    expect(later.cache.ttl('forever')).toBe(-1);
    expect(later.cache.has('short')).toBe(false);
  });

  it('loading into a smaller cache keeps what fits and reports how many were dropped', () => {
    const { cache } = clocked();
    for (let i = 0; i < 20_000; i++) cache.set(`k${i}`, 'v'.repeat(200));
    const small = clocked({ maxMemory: '1mb' }).cache;
    const result = small.loadBytes(cache.toBytes());
    expect(result.items).toBe(small.size);
    expect(result.dropped).toBe(20_000 - small.size);
    expect(result.dropped).toBeGreaterThan(10_000);
    expect(small.checkInvariants()).toBe(0);
  });

  it('values stored by fetch() keep their fresh-until time', async () => {
    const { cache, clock } = clocked();
    await cache.fetch('f', () => 'loaded', { ttl: 100, staleWhileRevalidate: 1000 });
    const copy = clocked();
    copy.clock.now = clock.now + 500;
    copy.cache.loadBytes(cache.toBytes());
    expect(copy.cache.get('f')).toBeUndefined(); // stale to plain reads...
    expect(await copy.cache.fetch('f', () => 'new', { ttl: 100, staleWhileRevalidate: 1000 })).toBe('loaded'); // ...served by fetch
  });
});

describe('bad snapshots are refused and change nothing', () => {
  const { cache: source } = clocked();
  for (let i = 0; i < 3000; i++) source.set(`k${i}`, i % 2 ? `v${i}` : new Uint8Array(i % 300).fill(i & 255), { ttl: i % 3 ? 0 : 1e9 });
  const good = source.toBytes();

  function target(): Cache {
    const { cache } = clocked({ maxMemory: '1mb' });
    cache.set('mine', 'kept');
    cache.set('also', { n: 1 }, { ttl: 5000 });
    return cache;
  }

  function expectRefused(bytes: Uint8Array, codes: string[]): void {
    const cache = target();
    const before = contents(cache);
    let err: unknown;
    try {
      cache.loadBytes(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CacheError);
    expect(codes).toContain((err as CacheError).code);
    expect(contents(cache)).toBe(before);
    // An empty cache is loaded in one pass (no separate check first): it must end up empty again,
    // its counters as they were.
    const { cache: empty } = clocked({ maxMemory: '1mb' });
    empty.get('miss');
    const stats = empty.stats();
    expect(() => empty.loadBytes(bytes)).toThrow(CacheError);
    expect(empty.size).toBe(0);
    expect(empty.stats()).toEqual(stats);
    expect(empty.checkInvariants()).toBe(0);
  }

  it('truncated at 200 random offsets', () => {
    const r = prng(9);
    for (let i = 0; i < 200; i++) {
      const cut = Math.floor(r() * good.length);
      expectRefused(good.subarray(0, cut), ['ERR_SNAPSHOT_TRUNCATED', 'ERR_SNAPSHOT_MAGIC']);
    }
  }, 60_000);

  it('one bit flipped at 200 random positions', () => {
    const r = prng(10);
    for (let i = 0; i < 200; i++) {
      const bad = good.slice();
      const at = Math.floor(r() * bad.length);
      bad[at] ^= 1 << Math.floor(r() * 8);
      expectRefused(bad, ['ERR_SNAPSHOT_CHECKSUM', 'ERR_SNAPSHOT_MAGIC', 'ERR_SNAPSHOT_CORRUPT', 'ERR_SNAPSHOT_TRUNCATED']);
    }
  }, 60_000);

  it('wrong magic, a file that is not a snapshot, trailing bytes', () => {
    expectRefused(new TextEncoder().encode('{"this is": "json, not a snapshot"}'.repeat(5)), ['ERR_SNAPSHOT_MAGIC']);
    expectRefused(new Uint8Array(0), ['ERR_SNAPSHOT_TRUNCATED']);
    const extra = new Uint8Array(good.length + 3);
    extra.set(good);
    expectRefused(extra, ['ERR_SNAPSHOT_CORRUPT']);
  });

  it('a newer format version, even with a valid checksum', () => {
    const newer = good.slice();
    const dv = new DataView(newer.buffer);
    dv.setUint32(8, 3, true);
    dv.setUint32(36, xxh64low(newer.subarray(0, 36)), true);
    const cache = target();
    expect(() => cache.loadBytes(newer)).toThrow(expect.objectContaining({ code: 'ERR_SNAPSHOT_VERSION' }));
    // The independent XXH64 agrees with the core's on the untouched header and on a whole block.
    const gdv = new DataView(good.buffer, good.byteOffset);
    expect(xxh64low(good.subarray(0, 36))).toBe(gdv.getUint32(36, true));
    const blockEnd = 40 + 12 + gdv.getUint32(48, true);
    expect(xxh64low(good.subarray(40, blockEnd))).toBe(gdv.getUint32(blockEnd, true));
    // Known XXH64 answers (xxHash's reference): "" -> ef46db3751d8e999, "abc" -> 44bc2cf5ad770999.
    expect(xxh64low(new Uint8Array(0))).toBe(0x51d8e999);
    expect(xxh64low(new TextEncoder().encode('abc'))).toBe(0xad770999);
  });
});

/** A record of a forged snapshot: any flags, reserved word and expiry time. */
interface Rec {
  key: string | Uint8Array;
  value: string | Uint8Array;
  flags?: number;
  reserved?: number;
  expireAt?: number;
}

/** A snapshot of these blocks of records, every checksum right (written here, not by the core). */
function forge(blocks: Rec[][]): Uint8Array {
  const enc = (x: string | Uint8Array) => (typeof x === 'string' ? new TextEncoder().encode(x) : x);
  const parts: Uint8Array[] = [];
  const count = blocks.reduce((n, b) => n + b.length, 0);
  const header = new Uint8Array(40);
  const hdv = new DataView(header.buffer);
  header.set([0x57, 0x43, 0x53, 0x4e, 0x41, 0x50, 0x0d, 0x0a]);
  hdv.setUint32(8, 2, true);
  hdv.setUint32(12, 2, true);
  hdv.setFloat64(16, 1_700_000_000_000, true);
  hdv.setFloat64(24, count, true);
  hdv.setUint32(36, xxh64low(header.subarray(0, 36)), true);
  parts.push(header);
  for (const recs of blocks) {
    const items = recs.map((r) => {
      const key = enc(r.key);
      const value = enc(r.value);
      const item = new Uint8Array(24 + key.length + value.length);
      const dv = new DataView(item.buffer);
      dv.setUint32(0, key.length, true);
      dv.setUint32(4, value.length, true);
      dv.setUint32(8, r.flags ?? 0, true);
      dv.setUint32(12, r.reserved ?? 0, true);
      dv.setFloat64(16, r.expireAt ?? 0, true);
      item.set(key, 24);
      item.set(value, 24 + key.length);
      return item;
    });
    const payload = items.reduce((n, i) => n + i.length, 0);
    const block = new Uint8Array(12 + payload + 4);
    const bdv = new DataView(block.buffer);
    bdv.setUint32(0, 0x4b424357, true);
    bdv.setUint32(4, recs.length, true);
    bdv.setUint32(8, payload, true);
    let at = 12;
    for (const i of items) {
      block.set(i, at);
      at += i.length;
    }
    bdv.setUint32(at, xxh64low(block.subarray(0, at)), true);
    parts.push(block);
  }
  const trailer = new Uint8Array(24);
  const tdv = new DataView(trailer.buffer);
  tdv.setUint32(0, 0x4e454357, true);
  tdv.setUint32(4, blocks.length, true);
  tdv.setFloat64(8, count, true);
  tdv.setUint32(20, xxh64low(trailer.subarray(0, 20)), true);
  parts.push(trailer);
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

/** A value with a fresh-until prefix (fetch() stale windows). */
function freshValue(freshUntil: number, rest: string): Uint8Array {
  const text = new TextEncoder().encode(rest);
  const v = new Uint8Array(8 + text.length);
  new DataView(v.buffer).setFloat64(0, freshUntil, true);
  v.set(text, 8);
  return v;
}

describe('snapshots with right checksums but contents the format does not allow are refused', () => {
  const T = 1_700_000_000_000;
  const ok: Rec[] = [
    { key: 'a', value: 'alpha' },
    { key: new Uint8Array([0, 1]), value: new Uint8Array([7]), flags: 1 | 32 },
    { key: 'j', value: '{"n":[1,2]}', flags: 2, expireAt: T + 60_000 },
    { key: 'f', value: freshValue(T + 10_000, '"served"'), flags: 2 | 4, expireAt: T + 20_000 },
  ];
  // A record over the 16 KiB scratch region of a 1 MB cache: its block is checked in pieces (TS), the others by the core.
  const big: Rec = { key: 'big', value: 'x'.repeat(20_000) };
  const bad: Record<string, Rec> = {
    'unknown value kind 3': { key: 'k', value: 'v', flags: 3 },
    'flag bit 3 (the core TTL flag)': { key: 'k', value: 'v', flags: 8 },
    'flag bit 6': { key: 'k', value: 'v', flags: 64 },
    'flag bit 31': { key: 'k', value: 'v', flags: 0x80000000 },
    'reserved word 1': { key: 'k', value: 'v', reserved: 1 },
    'expiry -5': { key: 'k', value: 'v', expireAt: -5 },
    'expiry Infinity': { key: 'k', value: 'v', expireAt: Infinity },
    'expiry -Infinity': { key: 'k', value: 'v', expireAt: -Infinity },
    'expiry NaN': { key: 'k', value: 'v', expireAt: NaN },
    'fresh-until prefix longer than the value': { key: 'k', value: 'abc', flags: 4 },
    'fresh-until prefix and an empty value': { key: 'k', value: '', flags: 2 | 4 },
    'fresh-until NaN': { key: 'k', value: freshValue(NaN, 'v'), flags: 4, expireAt: T + 1000 },
    'fresh-until Infinity': { key: 'k', value: freshValue(Infinity, 'v'), flags: 4, expireAt: T + 1000 },
    'JSON that does not parse': { key: 'k', value: '{"a":', flags: 2 },
    'JSON that does not parse, behind a fresh-until prefix': { key: 'k', value: freshValue(T + 1000, 'undefined'), flags: 2 | 4, expireAt: T + 5000 },
    'an empty JSON value': { key: 'k', value: '', flags: 2 },
  };

  function loadInto(cache: Cache, bytes: Uint8Array): unknown {
    try {
      cache.loadBytes(bytes);
    } catch (e) {
      return e;
    }
    return undefined;
  }

  /** Refused with ERR_SNAPSHOT_CORRUPT by a cache that holds items (two passes) and an empty one (one pass), each left as it was. */
  function expectCorrupt(bytes: Uint8Array, message: RegExp): void {
    const { cache: full } = clocked({ maxMemory: '1mb' });
    full.set('mine', 'kept');
    full.set('also', { n: 1 }, { ttl: 5000 });
    const before = contents(full);
    const stats = full.stats();
    const err = loadInto(full, bytes);
    expect(err).toBeInstanceOf(CacheError);
    expect(err).toMatchObject({ code: 'ERR_SNAPSHOT_CORRUPT' });
    expect((err as Error).message).toMatch(message);
    expect(contents(full)).toBe(before);
    expect(full.stats()).toEqual(stats);
    const { cache: empty } = clocked({ maxMemory: '1mb' });
    const emptyStats = empty.stats();
    expect(loadInto(empty, bytes)).toMatchObject({ code: 'ERR_SNAPSHOT_CORRUPT', message: expect.stringMatching(message) });
    expect(empty.size).toBe(0);
    expect(empty.stats()).toEqual(emptyStats);
    expect(empty.checkInvariants()).toBe(0);
  }

  it('the forged snapshots load when their records are right (the forger writes the format)', () => {
    const { cache } = clocked({ maxMemory: '1mb' });
    expect(cache.loadBytes(forge([ok, [big, ...ok.map((r) => ({ ...r, key: `${r.key}2` }))]]))).toEqual({ items: 9, expired: 0, dropped: 0 });
    expect(cache.get('a')).toBe('alpha');
    expect(cache.get(new Uint8Array([0, 1]))).toEqual(new Uint8Array([7]));
    expect(cache.get('j')).toEqual({ n: [1, 2] });
    expect(cache.get('f')).toBe('served');
    expect(cache.get('j2')).toEqual({ n: [1, 2] });
    expect((cache.get('big') as string).length).toBe(20_000);
    expect(cache.checkInvariants()).toBe(0);
  });

  const messages: Record<string, RegExp> = {
    'unknown value kind 3': /unknown value kind 3 \(allowed: 0 string, 1 bytes, 2 JSON\)/,
    'reserved word 1': /reserved word is 1, must be 0/,
    'expiry -5': /expiry time -5 \(allowed: 0 for none/,
    'fresh-until prefix longer than the value': /3-byte value cannot hold its 8-byte fresh-until prefix/,
    'JSON that does not parse': /JSON value does not parse/,
  };
  for (const [name, rec] of Object.entries(bad)) {
    it(`${name}: in a block the core checks, and in one checked in pieces`, () => {
      const want = messages[name] ?? /item at byte \d+: /;
      expectCorrupt(forge([[...ok, rec]]), want);
      expectCorrupt(forge([ok, [rec]]), want);
      expectCorrupt(forge([[...ok, big, rec]]), want);
      expectCorrupt(forge([[rec, big], ok]), want);
    });
  }

  it("JSON values: the core's check accepts exactly what JSON.parse accepts (hand-picked texts, random mutations, deep nesting)", () => {
    const texts = [
      '0', '-0', '1.5e+10', '1E-2', '-12.25', '01', '1.', '.5', '-', '+1', '1e', '1e+', '0x10', 'NaN', 'Infinity',
      'true', 'false', 'null', 'tru', 'nul', 'falsey', 'True', '"', '"a', '"a"', '"\\u00e9\\n\\t\\/"', '"\\x41"', '"\\u12"',
      '"\\u12g4"', '"tab\there"', '"é ü 😀"', '[]', '{}', '[ ]', '{ }', '[1,]', '[,1]', '[1 2]', '{"a":1,}', '{"a" 1}', '{a:1}',
      "{'a':1}", '{"a":1,"a":2}', '{"a":{"b":[1,{"c":null}]}}', ' \t\r\n1\n ', '\u00a01', '1\u00a0', '[1]]', '[[1]', '{"a":[}',
      '', ' ', '\ufeff1', '"\u0001"', '"\u007f"', '{"":""}', '[1,[2,[3,[4]]]]', '"\\"', '"\\\\"', '1 2', '[]{}',
    ];
    const r = prng(21);
    const chars = ' {}[]",:\\0123456789-+.eEtrufalsn\u0001\u00e9';
    const pool = [{ i: 1, list: [1, '2', { x: null, y: [true, false] }], s: 'a"b\\c\u00e9' }, [1.5, -2e-7, 'x'], 'plain', 12345];
    for (let i = 0; i < 1500; i++) {
      const base = [...JSON.stringify(pool[i % pool.length])];
      const at = Math.floor(r() * base.length);
      const op = Math.floor(r() * 3);
      const ch = chars[Math.floor(r() * chars.length)];
      if (op === 0) base.splice(at, 1);
      else if (op === 1) base.splice(at, 0, ch);
      else base[at] = ch;
      texts.push(base.join(''));
    }
    // Long strings (the core skips plain text 8 bytes at a time) with one special byte at every offset.
    for (let k = 0; k < 20; k++) for (const x of ['\u0001', '\u001f', ' ', '\\n', '\\q', '\\', '"', '\u00e9', '\u007f', '!', ']']) texts.push(`"${'a'.repeat(k)}${x}${'b'.repeat(20)}"`);
    texts.push('['.repeat(64) + ']'.repeat(64), '['.repeat(65) + ']'.repeat(65), '['.repeat(100) + ']'.repeat(99), '{"a":'.repeat(80) + '1' + '}'.repeat(80));
    texts.push('['.repeat(70) + '1,' + ']'.repeat(70), '[{"a":'.repeat(40) + 'null' + '}]'.repeat(40));
    let refused = 0;
    const { cache: empty } = clocked({ maxMemory: '1mb' }); // one pass
    const { cache: full } = clocked({ maxMemory: '1mb' }); // two passes
    full.set('x', 1);
    for (const text of texts) {
      let parses = true;
      try {
        JSON.parse(Buffer.from(text).toString('utf8'));
      } catch {
        parses = false;
      }
      const bytes = forge([[{ key: 'k', value: text, flags: 2 }]]);
      empty.clear();
      for (const cache of [empty, full]) {
        const err = loadInto(cache, bytes);
        expect(err === undefined, `${JSON.stringify(text)}: ${err}`).toBe(parses);
        if (err) expect(err).toMatchObject({ code: 'ERR_SNAPSHOT_CORRUPT', message: expect.stringMatching(/JSON value/) });
        else expect(cache.get('k')).toEqual(JSON.parse(text));
      }
      if (!parses) refused++;
    }
    expect(refused).toBeGreaterThan(500);
    expect(texts.length - refused).toBeGreaterThan(200);
  }, 30_000);

  it('a key stored twice, in one block or in two, the core\'s or in pieces (it would load as fewer items than the snapshot says)', () => {
    const twice = /key "a" is stored twice/;
    expectCorrupt(forge([[...ok, { key: 'a', value: 'again' }]]), twice);
    expectCorrupt(forge([ok, [{ key: 'a', value: '"again"', flags: 2 }]]), twice);
    expectCorrupt(forge([[...ok, big], [{ key: 'big', value: 'again' }]]), /key "big" is stored twice/);
    expectCorrupt(forge([ok, [{ key: 'a', value: 'y'.repeat(20_000) }]]), twice);
    expectCorrupt(forge([[{ key: new Uint8Array([0, 1]), value: 'b', flags: 32 }], ok]), /key 0x0001 is stored twice/);
    // The same bytes as a string key and as a byte key are the same key.
    expectCorrupt(forge([[{ key: 'a', value: 'b', flags: 32 }], ok]), /is stored twice/);
    // Blocks with a JSON value nested too deep for the core (the wrapper reads their records itself).
    const deep: Rec = { key: 'deep', value: '['.repeat(70) + ']'.repeat(70), flags: 2 };
    expectCorrupt(forge([[deep, ...ok], [{ key: 'a', value: 'x' }]]), twice);
    expectCorrupt(forge([ok, [deep, { key: 'a', value: 'x' }]]), twice);
    expectCorrupt(forge([[deep, ...ok, { key: 'deep', value: '1', flags: 2 }]]), /key "deep" is stored twice/);
    // Many keys, one repeated: found among hash-equal neighbours in the check pass too.
    const many: Rec[] = Array.from({ length: 3000 }, (_, i) => ({ key: `key:${i}`, value: `${i}` }));
    expectCorrupt(forge([many.slice(0, 1500), many.slice(1500), [{ key: 'key:777', value: 'again' }]]), /key "key:777" is stored twice/);
    // Enough keys for the check pass to group their hashes (over 4096 per group), a header count that lies.
    const more: Rec[] = Array.from({ length: 20_000 }, (_, i) => ({ key: `k${i}`, value: '' }));
    for (const at of [0, 9999, 19_998]) {
      const blocks = [more.slice(0, 10_000), more.slice(10_000), [{ key: more[at].key as string, value: 'again' }]];
      const { cache: target } = clocked({ maxMemory: '8mb' });
      target.set('mine', 'kept');
      expect(loadInto(target, forge(blocks))).toMatchObject({ code: 'ERR_SNAPSHOT_CORRUPT', message: expect.stringContaining(`key "${more[at].key}" is stored twice`) });
      expect(target.size).toBe(1);
    }
    const lying = forge([more.slice(0, 10_000), more.slice(10_000)]);
    new DataView(lying.buffer).setFloat64(24, 1e15, true); // more keys than the file could hold: no room made for them
    new DataView(lying.buffer).setUint32(36, xxh64low(lying.subarray(0, 36)), true);
    const { cache: target } = clocked({ maxMemory: '8mb' });
    target.set('mine', 'kept');
    expect(loadInto(target, lying)).toMatchObject({ code: 'ERR_SNAPSHOT_CORRUPT', message: expect.stringMatching(/counts disagree/) });
    expect(target.loadBytes(forge([more.slice(0, 10_000), more.slice(10_000)])).items).toBe(20_000);
    const { cache } = clocked({ maxMemory: '1mb' });
    expect(cache.loadBytes(forge([many.slice(0, 1500), many.slice(1500)])).items).toBe(3000); // and no false alarm
    cache.set('x', 1);
    expect(cache.loadBytes(forge([many.slice(0, 1500), many.slice(1500)])).items).toBe(3000);
  });
});

describe('saving to files', () => {
  it('a save killed mid-write leaves the previous snapshot intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wcs-kill-'));
    const path = join(dir, 'dump.wcs');
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'helpers', 'save-forever.ts'), path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // Wait for two complete saves, then kill it at a random moment of a later one.
    await new Promise<void>((resolve, reject) => {
      let saves = 0;
      child.stdout.on('data', (d: Buffer) => {
        saves += d.toString().split('saved').length - 1;
        if (saves >= 2) resolve();
      });
      child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    await new Promise((r) => setTimeout(r, 5 + Math.random() * 100));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    const { cache } = clocked();
    const result = await cache.load(path); // a complete snapshot, whatever the moment of the kill
    expect(result.items).toBe(200_001);
    expect(cache.get('key:123')).toBe('value 123 '.repeat(8));
    // The killed save's temporary file (if the kill came mid-write) goes at the next save.
    await cache.save(path);
    expect(readdirSync(dir)).toEqual(['dump.wcs']);
  }, 60_000);

  it("a save removes the temporary files of earlier saves whose process is gone, and no one else's", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wcs-stale-'));
    const path = join(dir, 'dump.wcs');
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => child.on('close', r));
    const dead = child.pid!;
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
    try {
      const files = {
        [`dump.wcs.tmp-${dead}-0-lz1x2y3`]: false, // a killed save: removed
        [`dump.wcs.tmp-${dead}-lz1x2y2`]: false, // the same, named by an older version
        [`dump.wcs.tmp-${process.pid}-0-lz1x2y4`]: false, // this thread's, not being written (saves are synchronous): removed
        [`dump.wcs.tmp-${process.pid}-7-lz1x2y8`]: true, // another worker thread of this process may be writing it: kept
        [`dump.wcs.tmp-${sleeper.pid}-0-lz1x2y5`]: true, // a live process may be writing it: kept
        [`other.wcs.tmp-${dead}-lz1x2y6`]: true, // another snapshot's
        [`dump.wcs.tmp-${dead}-notes.txt`]: true, // not a name save() makes
      };
      for (const name of Object.keys(files)) writeFileSync(join(dir, name), new Uint8Array(1000));
      const { cache } = clocked();
      cache.set('a', 1);
      await cache.save(path);
      const expected = ['dump.wcs', ...Object.keys(files).filter((n) => files[n])].sort();
      expect(readdirSync(dir).sort()).toEqual(expected);
      // A relative path works the same (the folder is then the working directory).
      writeFileSync(join(dir, `dump.wcs.tmp-${dead}-0-lz1x2y7`), 'x');
      const cwd = process.cwd();
      process.chdir(dir);
      try {
        await cache.save('dump.wcs');
      } finally {
        process.chdir(cwd);
      }
      expect(readdirSync(dir).sort()).toEqual(expected);
    } finally {
      sleeper.kill();
    }
  });

  it('file system failures are ERR_SNAPSHOT_IO with the fs error as cause, and change nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wcs-io-'));
    const { cache } = clocked();
    cache.set('a', 1);
    const io = async (p: Promise<unknown>, fsCode: string) => {
      const err = await p.then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(CacheError);
      expect(err).toMatchObject({ code: 'ERR_SNAPSHOT_IO', cause: { code: fsCode } });
      expect((err as Error).message).toContain(fsCode);
      return err as CacheError;
    };
    // Loading: a missing file, a folder.
    const missing = await io(cache.load(join(dir, 'missing.wcs')), 'ENOENT');
    expect(missing.message).toContain(join(dir, 'missing.wcs'));
    await io(loadCache(join(dir, 'missing.wcs')), 'ENOENT');
    await io(cache.load(dir), 'EISDIR');
    expect(cache.get('a')).toBe(1);
    // Saving: under a file (ENOTDIR), into a missing folder (ENOENT), a full disk (ENOSPC).
    const file = join(dir, 'file');
    writeFileSync(file, 'x');
    await io(cache.save(join(file, 'dump.wcs')), 'ENOTDIR');
    await io(cache.save(join(dir, 'nope', 'dump.wcs')), 'ENOENT');
    const path = join(dir, 'dump.wcs');
    await cache.save(path);
    const before = readFileSync(path);
    // /dev/full cannot stand in for the file (save() writes a temporary file beside it and renames
    // it), so the disk fills up through the fs module the cache uses.
    const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
    const full = vi.spyOn(fs, 'writeSync').mockImplementation(() => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    });
    try {
      await io(cache.save(path), 'ENOSPC');
    } finally {
      full.mockRestore();
    }
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['dump.wcs', 'file']); // the temporary file was removed
    // A folder over which the snapshot cannot be renamed.
    mkdirSync(join(dir, 'folder.wcs'));
    writeFileSync(join(dir, 'folder.wcs', 'x'), 'x');
    const renamed = await cache.save(join(dir, 'folder.wcs')).then(() => undefined, (e: CacheError) => e);
    expect(renamed).toMatchObject({ code: 'ERR_SNAPSHOT_IO' });
    expect(['ENOTEMPTY', 'EISDIR', 'EEXIST', 'EPERM']).toContain((renamed!.cause as { code: string }).code);
  });

  it('a failed save throws and leaves the file that was there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wcs-fail-'));
    const path = join(dir, 'dump.wcs');
    const { cache } = clocked();
    cache.set('a', 1);
    await cache.save(path);
    const before = readFileSync(path);
    // Renaming over a non-empty folder fails after the data was written.
    const folder = join(dir, 'folder.wcs');
    mkdirSync(folder);
    writeFileSync(join(folder, 'x'), 'x');
    await expect(cache.save(folder)).rejects.toThrow();
    expect(readdirSync(dir).sort()).toEqual(['dump.wcs', 'folder.wcs']);
    expect(readFileSync(path).equals(before)).toBe(true);
    await expect(cache.save(join(dir, 'missing', 'dump.wcs'))).rejects.toThrow();
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });
});

describe('loading into new caches, and saving in the background', () => {
  it('loadCache and fromBytes make a new cache from a snapshot; a bad one is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wcs-new-'));
    const { cache } = clocked();
    cache.set('a', 'alpha');
    cache.set('b', new Uint8Array([2]));
    await cache.save(join(dir, 'dump.wcs'));
    const loaded = await loadCache(join(dir, 'dump.wcs'), { maxMemory: '1mb' });
    expect(loaded.get('a')).toBe('alpha');
    const copy = await fromBytes(cache.toBytes(), { maxMemory: '1mb', policy: 'lru' });
    expect(copy.get('b')).toEqual(new Uint8Array([2]));
    expect(copy.stats().policy).toBe('lru');
    await expect(fromBytes(new Uint8Array(10))).rejects.toMatchObject({ code: 'ERR_SNAPSHOT_TRUNCATED' });
    await expect(loadCache(join(dir, 'missing.wcs'))).rejects.toThrow(expect.objectContaining({ code: 'ERR_SNAPSHOT_IO', message: expect.stringMatching(/ENOENT/) }));
  });

  it('options.snapshot saves every intervalMs in the background, and once more on dispose', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wcs-bg-'));
    const path = join(dir, 'dump.wcs');
    const cache = createCacheSync({ maxMemory: '1mb', snapshot: { path, intervalMs: 20 } });
    cache.set('first', 1);
    for (let i = 0; i < 100 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 10));
    expect((await loadCache(path)).get('first')).toBe(1);
    cache.set('last', 2);
    cache.dispose();
    const reloaded = await loadCache(path);
    expect(reloaded.get('last')).toBe(2);
    expect(cache.lastSaveError).toBeUndefined();
    expect(() => createCacheSync({ snapshot: { path: '' } })).toThrow(expect.objectContaining({ code: 'ERR_OPTIONS' }));
    expect(() => createCacheSync({ snapshot: { path, intervalMs: -1 } })).toThrow(/intervalMs/);
  });
});

describe('options.snapshot: warm restarts', () => {
  const fill = (cache: Cache) => {
    cache.set('config', { theme: 'dark' });
    cache.set('session', 'abc', { ttl: 60_000 });
    cache.set(new Uint8Array([1, 2]), new Uint8Array([3]));
  };

  it('a new cache with the same options starts with the saved items (sync and async), and keeps saving', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wcs-warm-'));
    const options = { maxMemory: '1mb', now: () => 1_700_000_000_000, snapshot: { path: join(dir, 'svc.wcs') } };
    const first = createCacheSync(options);
    expect(first.size).toBe(0); // no file yet: an empty cache
    fill(first);
    const expected = contents(first);
    first.dispose();

    const second = createCacheSync(options);
    expect(contents(second)).toBe(expected);
    expect(second.ttl('session')).toBe(60_000);
    second.set('added', 2);
    second.dispose(); // saves what it loaded, and what came since

    const third = await createCache(options);
    expect(third.get('config')).toEqual({ theme: 'dark' });
    expect(third.get('added')).toBe(2);
    expect(third.size).toBe(4);
    expect(third.checkInvariants()).toBe(0);
    third.dispose();
    expect((await loadCache(options.snapshot.path, { now: options.now })).size).toBe(4);
  });

  it('a bad file makes the creating call throw, and stays exactly as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wcs-warm-bad-'));
    const path = join(dir, 'svc.wcs');
    const source = createCacheSync({ maxMemory: '1mb' });
    fill(source);
    const bad = source.toBytes();
    bad[bad.length - 30] ^= 4; // a flipped bit in the last block
    writeFileSync(path, bad);
    const options = { maxMemory: '1mb', snapshot: { path, intervalMs: 5 } };
    let err: unknown;
    try {
      createCacheSync(options);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CacheError);
    expect(err).toMatchObject({ code: 'ERR_SNAPSHOT_CHECKSUM' });
    expect((err as Error).message).toContain(path);
    await expect(createCache(options)).rejects.toMatchObject({ code: 'ERR_SNAPSHOT_CHECKSUM' });
    writeFileSync(join(dir, 'empty.wcs'), '');
    expect(() => createCacheSync({ snapshot: { path: join(dir, 'empty.wcs') } })).toThrow(expect.objectContaining({ code: 'ERR_SNAPSHOT_TRUNCATED' }));
    expect(() => createCacheSync({ snapshot: { path: dir } })).toThrow(expect.objectContaining({ code: 'ERR_SNAPSHOT_IO' }));
    await new Promise((r) => setTimeout(r, 50)); // no save timer of a cache that was never made
    expect(readFileSync(path).equals(Buffer.from(bad))).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['empty.wcs', 'svc.wcs']);
  });

  it('a failed loadCache does not save over the options.snapshot file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wcs-warm-lc-'));
    const other = join(dir, 'other.wcs');
    await expect(loadCache(join(dir, 'missing.wcs'), { snapshot: { path: other } })).rejects.toMatchObject({ code: 'ERR_SNAPSHOT_IO' });
    expect(existsSync(other)).toBe(false);
  });

  it('without Node fs (browsers, Workers) the option is refused with ERR_SNAPSHOT_IO', () => {
    const noFs = vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined as never);
    try {
      expect(() => createCacheSync({ snapshot: { path: 'svc.wcs' } })).toThrow(
        expect.objectContaining({ code: 'ERR_SNAPSHOT_IO', message: expect.stringMatching(/options\.snapshot needs Node/) }),
      );
    } finally {
      noFs.mockRestore();
    }
    expect(existsSync('svc.wcs')).toBe(false);
  });
});

describe('a load into an emptied cache sizes its tables once', () => {
  it("grows the index straight to the header's count (no growth by half while the items come in)", () => {
    const N = 20_000;
    const from = createCacheSync({ maxMemory: '4mb' });
    for (let i = 0; i < N; i++) from.set(`k${i}`, i);
    const bytes = from.toBytes();
    const into = createCacheSync({ maxMemory: '4mb' });
    const slots = () => (into as unknown as { regs32: Uint32Array }).regs32[REG_INDEX_SLOTS]; // the index now (a layout register)
    const forN = Math.floor((N * 8) / 7) + 1; // slots for N items at the index's load factor (assembly/layout.ts)
    expect(slots()).toBeLessThan(forN); // the index starts small without maxEntries
    expect(into.loadBytes(bytes).items).toBe(N);
    expect(slots()).toBe(forN); // one step; growth by half would have overshot
    expect(into.get('k19999')).toBe(19_999);
    expect(into.checkInvariants()).toBe(0);
  });
});
