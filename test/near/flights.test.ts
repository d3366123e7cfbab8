// The in-flight guard on its own: tickets voided by a key's invalidation or by a flush, and no
// memory kept for keys once their operations have settled.
import { describe, expect, it } from 'vitest';
import { Flights, keyId } from '../../src/near/flights.js';

describe('Flights', () => {
  it('a ticket is valid unless its key was voided, or everything was, before it settled', () => {
    const f = new Flights();
    const kept = f.take(keyId('a'));
    const voided = f.take(keyId('b'));
    const flushed = f.take(keyId('c'));
    f.void(keyId('b'));
    expect(f.settle(kept)).toBe(true);
    expect(f.settle(voided)).toBe(false);
    f.voidAll();
    expect(f.settle(flushed)).toBe(false);
    expect(f.size).toBe(0);
  });

  it('voiding a key voids every ticket open on it, not the ones taken afterwards', () => {
    const f = new Flights();
    const before = [f.take('tk'), f.take('tk')];
    f.void('tk');
    const after = f.take('tk');
    expect(before.map((t) => f.settle(t))).toEqual([false, false]);
    expect(f.settle(after)).toBe(true);
    f.void('tk'); // no ticket open: nothing is remembered
    expect(f.size).toBe(0);
  });

  it('a string key and its UTF-8 bytes are one key; other bytes never collide with text', () => {
    expect(keyId(new TextEncoder().encode('user:é'))).toBe(keyId('user:é'));
    expect(keyId(new Uint8Array([0xff]))).not.toBe(keyId('\ufffd'));
    expect(keyId(new Uint8Array([0xff]))).not.toBe(keyId('xff'));
  });
});
