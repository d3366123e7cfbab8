// Bad input: every rejected call throws a CacheError with a code and a message that says what is
// allowed, and leaves the cache exactly as it was (same entries, same TTLs, same LRU order).
import { describe, expect, it } from 'vitest';
import { CacheError, createCacheSync, type Cache } from '../src/index.js';

function snapshot(cache: Cache): string {
  const rows = [...cache.entries()].map(([k, v]) => {
    const key = typeof k === 'string' ? k : `bytes:${Buffer.from(k).toString('hex')}`;
    const value = v instanceof Uint8Array ? `bytes:${Buffer.from(v).toString('hex')}` : JSON.stringify(v);
    return `${key}=${value} ttl=${cache.ttl(k)}`;
  });
  return rows.sort().join('\n');
}

function expectRejected(cache: Cache, call: () => unknown, code: string, message: RegExp): void {
  const before = snapshot(cache);
  const statsBefore = cache.stats();
  let err: unknown;
  try {
    call();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(CacheError);
  expect((err as CacheError).code).toBe(code);
  expect((err as CacheError).message).toMatch(message);
  expect(snapshot(cache)).toBe(before);
  expect(cache.stats()).toEqual(statsBefore);
  expect(cache.checkInvariants()).toBe(0);
}

describe('bad input is refused and changes nothing', () => {
  const clock = { now: 5000 };
  const make = (): Cache => {
    const c = createCacheSync({ maxMemory: '1mb', maxKeySize: 64, now: () => clock.now, activeExpiry: false });
    c.set('a', 'alpha', { ttl: 1000 });
    c.set('b', { n: 1 });
    c.set(new Uint8Array([1, 2, 3]), new Uint8Array([9, 8]));
    c.set('n', '41');
    return c;
  };

  it('keys that are not strings or Uint8Arrays', () => {
    const c = make();
    for (const key of [1, null, undefined, {}, ['a'], new Uint16Array(2), Symbol('k'), new ArrayBuffer(2)]) {
      const k = key as unknown as string;
      for (const call of [
        () => c.set(k, 1),
        () => c.get(k),
        () => c.peek(k),
        () => c.has(k),
        () => c.delete(k),
        () => c.ttl(k),
        () => c.expire(k, 10),
        () => c.persist(k),
        () => c.incr(k),
        () => c.mget(['a', k]),
        () => c.mset([['z', 1], [k, 2]]),
      ]) {
        expectRejected(c, call, 'ERR_KEY_TYPE', /key must be a string or a Uint8Array/);
      }
    }
  });

  it('keys over maxKeySize', () => {
    const c = make();
    const long = 'k'.repeat(65);
    expectRejected(c, () => c.set(long, 1), 'ERR_KEY_TOO_LARGE', /at most 64 bytes \(maxKeySize\), got 65/);
    expectRejected(c, () => c.get('é'.repeat(33)), 'ERR_KEY_TOO_LARGE', /got 66/);
    expectRejected(c, () => c.set(new Uint8Array(100), 1), 'ERR_KEY_TOO_LARGE', /got 100/);
    expectRejected(c, () => c.mset([['ok', 1], [long, 2]]), 'ERR_KEY_TOO_LARGE', /maxKeySize/);
  });

  it('values that are not strings, bytes or JSON', () => {
    const c = make();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad: unknown[] = [undefined, () => 1, Symbol('s'), 10n, NaN, Infinity, cyclic, { big: 1n }, new Map(), new Set([1]), new Date(), new Float32Array(2), new ArrayBuffer(4)];
    for (const v of bad) {
      expectRejected(c, () => c.set('a', v), 'ERR_VALUE_TYPE', /value must be a string, a Uint8Array, or a JSON-serialisable value/);
      expectRejected(c, () => c.mset([['fresh', 1], ['a', v]]), 'ERR_VALUE_TYPE', /value must be/);
    }
  });

  it('values whose toJSON() gives no JSON value (undefined, a Symbol, a function)', () => {
    const c = make();
    for (const out of [undefined, Symbol('s'), () => 1]) {
      const v = { toJSON: () => out };
      expectRejected(c, () => c.set('a', v), 'ERR_VALUE_TYPE', /toJSON\(\) gave no JSON value/);
      expectRejected(c, () => c.mset([['fresh', 1], ['a', v]]), 'ERR_VALUE_TYPE', /toJSON/);
    }
  });

  it('keys and string values with a lone surrogate (no UTF-8 form): refused, never changed or merged', () => {
    const c = make();
    const bad = ['\uD800', '\uDC00', 'a\uD83Db', 'x'.repeat(40) + '\uDFFF', '\uDE00\uD83D', 'é\uD800'];
    for (const s of bad) {
      for (const call of [() => c.set(s, 1), () => c.get(s), () => c.has(s), () => c.delete(s), () => c.mget(['a', s]), () => c.mset([['z', 1], [s, 2]])]) {
        expectRejected(c, call, 'ERR_KEY_TYPE', /well-formed UTF-16.*lone surrogate/);
      }
      expectRejected(c, () => c.set('v', s), 'ERR_VALUE_TYPE', /well-formed UTF-16.*lone surrogate/);
      expectRejected(c, () => c.set('v', s.repeat(20_000)), 'ERR_VALUE_TYPE', /lone surrogate/);
      expectRejected(c, () => c.mset([['z', 1], ['v', s]]), 'ERR_VALUE_TYPE', /lone surrogate/);
    }
    // Well-formed text, pairs included, is stored exactly; JSON escapes lone surrogates itself.
    for (const s of ['\uD83D\uDE00', 'é', '日本', 'a\uD83D\uDE00b'.repeat(1000)]) {
      c.set(s.slice(0, 20), s);
      expect(c.get(s.slice(0, 20))).toBe(s);
    }
    c.set('j', { s: '\uD800' });
    expect(c.get('j')).toEqual({ s: '\uD800' });
    expect(c.checkInvariants()).toBe(0);
  });

  it('values over maxValueSize, and larger than the whole cache', () => {
    const c = make();
    const max = c.layout().maxValueSize;
    expectRejected(c, () => c.set('a', new Uint8Array(max + 1)), 'ERR_VALUE_TOO_LARGE', new RegExp(`at most ${max} bytes`));
    expectRejected(c, () => c.set('a', 'x'.repeat(max + 1)), 'ERR_VALUE_TOO_LARGE', /maxValueSize/);
    expectRejected(c, () => c.set('a', new Uint8Array(2 * 1024 * 1024)), 'ERR_VALUE_TOO_LARGE', /maxValueSize/);
    expectRejected(c, () => c.mset([['x', 1], ['y', new Uint8Array(max + 1)]]), 'ERR_VALUE_TOO_LARGE', /maxValueSize/);
    // The largest allowed value is really stored.
    expect(c.set('big', new Uint8Array(max).fill(3))).toBe(true);
    expect((c.get('big') as Uint8Array).length).toBe(max);
  });

  it('negative, non-finite or conflicting TTLs', () => {
    const c = make();
    for (const ttl of [-1, -0.5, NaN, Infinity, -Infinity, '10' as unknown as number]) {
      expectRejected(c, () => c.set('a', 'new', { ttl }), 'ERR_TTL', /ttl must be a finite number of ms >= 0/);
      expectRejected(c, () => c.expire('a', ttl), 'ERR_TTL', /finite number of ms >= 0/);
      expectRejected(c, () => c.mset([['a', 1]], { ttl }), 'ERR_TTL', /ttl/);
    }
    expectRejected(c, () => c.set('a', 1, { ttl: 5, keepTtl: true }), 'ERR_TTL', /ttl or keepTtl/);
    expectRejected(c, () => c.set('a', 1, { nx: true, xx: true }), 'ERR_SET_OPTIONS', /nx or xx/);
  });

  it('incr on values that are not integers, or past the safe range', () => {
    const c = make();
    expectRejected(c, () => c.incr('a'), 'ERR_NOT_INTEGER', /not an integer/);
    expectRejected(c, () => c.incr('b'), 'ERR_NOT_INTEGER', /not an integer/);
    expectRejected(c, () => c.incr('n', 0.5), 'ERR_NOT_INTEGER', /safe integer/);
    expectRejected(c, () => c.incr('n', Number.MAX_SAFE_INTEGER), 'ERR_INCR_OVERFLOW', /safe integer range/);
  });

  it('calls on a disposed cache', () => {
    const c = make();
    c.dispose();
    expect(() => c.get('a')).toThrow(expect.objectContaining({ code: 'ERR_DISPOSED' }));
    expect(() => [...c.keys()]).toThrow(expect.objectContaining({ code: 'ERR_DISPOSED' }));
  });
});
