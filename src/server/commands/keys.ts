// Keyspace commands (Redis db.c and expire.c): existence, deletion, renaming, expiry, and walks over
// the keys. Every value is a string, so TYPE answers 'string' or 'none'.

import type { Key } from '../../codec.js';
import type { Session } from '../context.js';
import { E_NO_KEY, E_NOT_INT, E_SYNTAX, cmd, expiryArg, type CommandSpec } from '../command.js';
import { expireAt, expireAtOf, nowMs, remember, ttlUntil } from '../expiry.js';
import { compileGlob } from '../glob.js';
import { parseSmallInt } from '../numbers.js';

/** A key as bytes (keys set from JavaScript come back as strings). */
export function keyBytes(k: Key): Uint8Array {
  return typeof k === 'string' ? Buffer.from(k, 'utf8') : k;
}

function del(c: Session): void {
  const cache = c.server.cache;
  let n = 0;
  for (let i = 1; i < c.cmd.argc; i++) if (cache.delete(c.cmd.bytes(i))) n++;
  c.out.int(n);
}

function exists(c: Session): void {
  const cache = c.server.cache;
  let n = 0;
  for (let i = 1; i < c.cmd.argc; i++) if (cache.has(c.cmd.bytes(i))) n++;
  c.out.int(n);
}

function type(c: Session): void {
  c.out.simple(c.server.cache.has(c.cmd.bytes(1)) ? 'string' : 'none');
}

/** RENAME / RENAMENX: the value moves with its TTL; renaming a key onto itself changes nothing. */
function rename(nx: boolean) {
  return (c: Session): void => {
    const cache = c.server.cache;
    const src = c.cmd.bytes(1);
    const dst = c.cmd.bytes(2);
    const view = cache.getView(src);
    if (view === undefined) return c.out.error(E_NO_KEY);
    if (Buffer.compare(src, dst) === 0) return nx ? c.out.int(0) : c.out.ok();
    if (nx && cache.has(dst)) return c.out.int(0);
    const value = Buffer.from(view);
    const at = expireAtOf(c, src);
    if (at >= 0n) {
      if (cache.set(dst, value, { ttl: ttlUntil(c, at) })) remember(c, dst, at);
    } else cache.set(dst, value);
    cache.delete(src);
    return nx ? c.out.int(1) : c.out.ok();
  };
}

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

/**
 * EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT key time [NX|XX|GT|LT] (Redis 7.0): a time already
 * past deletes the key; a key without a TTL counts as an infinite TTL for GT and LT.
 */
function expire(unitMs: number, absolute: boolean, name: string) {
  return (c: Session): void => {
    const cmd = c.cmd;
    let flags = 0;
    for (let i = 3; i < cmd.argc; i++) {
      if (cmd.is(i, 'NX')) flags |= EXPIRE_NX;
      else if (cmd.is(i, 'XX')) flags |= EXPIRE_XX;
      else if (cmd.is(i, 'GT')) flags |= EXPIRE_GT;
      else if (cmd.is(i, 'LT')) flags |= EXPIRE_LT;
      else return c.out.error(`ERR Unsupported option ${cmd.cstr(i)}`);
    }
    if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) {
      return c.out.error('ERR NX and XX, GT or LT options at the same time are not compatible');
    }
    if (flags & EXPIRE_GT && flags & EXPIRE_LT) return c.out.error('ERR GT and LT options at the same time are not compatible');
    const now = c.server.clock.now();
    const at = expiryArg(c, 2, unitMs, absolute ? 0 : now, name, false);
    if (at === undefined) return;
    const key = cmd.bytes(1);
    const currentAt = expireAtOf(c, key); // exact, as Redis compares for GT and LT
    if (currentAt === -2n) return c.out.int(0);
    if (flags) {
      if (flags & EXPIRE_NX && currentAt !== -1n) return c.out.int(0);
      if (flags & EXPIRE_XX && currentAt === -1n) return c.out.int(0);
      if (flags & EXPIRE_GT && (currentAt === -1n || at <= currentAt)) return c.out.int(0);
      if (flags & EXPIRE_LT && currentAt !== -1n && at >= currentAt) return c.out.int(0);
    }
    if (at <= BigInt(now)) c.server.cache.delete(key);
    else expireAt(c, key, at);
    c.out.int(1);
  };
}

/**
 * TTL / PTTL (remaining time) and EXPIRETIME / PEXPIRETIME (Redis 7.0: the absolute Unix time):
 * -2 for a missing key, -1 without expiry; seconds are rounded as Redis does, (ms + 500) / 1000.
 */
function ttl(ms: boolean, absolute = false) {
  return (c: Session): void => {
    const at = expireAtOf(c, c.cmd.bytes(1));
    if (at < 0n) return c.out.int(at);
    let v = absolute ? at : at - nowMs(c);
    if (v < 0n) v = 0n;
    c.out.int(ms ? v : (v + 500n) / 1000n); // exact integers, up to 2^63 - 1 ms
  };
}

function persist(c: Session): void {
  c.out.int(c.server.cache.persist(c.cmd.bytes(1)) ? 1 : 0);
}

/** Every live key, in index order. */
function* allKeys(c: Session): Generator<Uint8Array> {
  let cursor = 0;
  do {
    const [next, keys] = c.server.cache.scan(cursor, 1024);
    for (const k of keys) yield keyBytes(k);
    cursor = next;
  } while (cursor !== 0);
}

function keys(c: Session): void {
  const pattern = c.cmd.bytes(1);
  const all = pattern.length === 1 && pattern[0] === 0x2a;
  const glob = compileGlob(pattern);
  const found: Uint8Array[] = [];
  for (const k of allKeys(c)) if (all || glob.test(k)) found.push(k);
  c.out.array(found.length);
  for (const k of found) c.out.bulk(k);
}

/**
 * SCAN cursor [MATCH pattern] [COUNT n] [TYPE t]. COUNT is the number of keys examined per call;
 * MATCH and TYPE filter what those keys return, so a call may answer none and a non-zero cursor.
 */
function scan(c: Session): void {
  const cmd = c.cmd;
  const cursor = parseSmallInt(cmd.buf, cmd.start[1], cmd.end[1]);
  if (cursor === undefined || cursor < 0) return c.out.error('ERR invalid cursor');
  let count = 10;
  let pattern: Uint8Array | undefined;
  let typeName: string | undefined;
  for (let i = 2; i < cmd.argc; i += 2) {
    if (i + 1 >= cmd.argc) return c.out.error(E_SYNTAX);
    if (cmd.is(i, 'COUNT')) {
      const n = parseSmallInt(cmd.buf, cmd.start[i + 1], cmd.end[i + 1]);
      if (n === undefined) return c.out.error(E_NOT_INT);
      if (n < 1) return c.out.error(E_SYNTAX);
      count = n;
    } else if (cmd.is(i, 'MATCH')) pattern = cmd.bytes(i + 1);
    else if (cmd.is(i, 'TYPE')) typeName = cmd.str(i + 1);
    else return c.out.error(E_SYNTAX);
  }
  const [next, found] = c.server.cache.scan(cursor, Math.min(count, 1 << 20));
  const keysOut: Uint8Array[] = [];
  // As in Redis, the pattern `*` is no filter at all (it would not match the empty key).
  const glob = pattern === undefined || (pattern.length === 1 && pattern[0] === 0x2a) ? undefined : compileGlob(pattern);
  if (typeName === undefined || typeName.toLowerCase() === 'string') {
    for (const k of found) {
      const b = keyBytes(k);
      if (glob === undefined || glob.test(b)) keysOut.push(b);
    }
  }
  c.out.array(2);
  c.out.bulkLatin1(String(next));
  c.out.array(keysOut.length);
  for (const k of keysOut) c.out.bulk(k);
}

function randomkey(c: Session): void {
  const k = c.server.cache.randomKey();
  if (k === undefined) c.out.nil();
  else c.out.bulk(keyBytes(k));
}

const K1 = [1, 1, 1] as const;
const KALL = [1, -1, 1] as const;
const K12 = [1, 2, 1] as const;
const NONE = [0, 0, 0] as const;

/** The keyspace commands. */
export const keyCommands: CommandSpec[] = [
  cmd('del', -2, 'generic', '1.0.0', 'write', KALL, 'Deletes one or more keys.', del),
  cmd('unlink', -2, 'generic', '4.0.0', 'write fast', KALL, 'Asynchronously deletes one or more keys.', del),
  cmd('exists', -2, 'generic', '1.0.0', 'readonly fast', KALL, 'Determines whether one or more keys exist.', exists),
  cmd('type', 2, 'generic', '1.0.0', 'readonly fast', K1, 'Determines the type of value stored at a key.', type),
  cmd('rename', 3, 'generic', '1.0.0', 'write', K12, 'Renames a key and overwrites the destination.', rename(false)),
  cmd('renamenx', 3, 'generic', '1.0.0', 'write fast', K12, 'Renames a key only when the target key name doesn\'t exist.', rename(true)),
  cmd('expire', -3, 'generic', '1.0.0', 'write fast', K1, 'Sets the expiration time of a key in seconds.', expire(1000, false, 'expire')),
  cmd('pexpire', -3, 'generic', '2.6.0', 'write fast', K1, 'Sets the expiration time of a key in milliseconds.', expire(1, false, 'pexpire')),
  cmd('expireat', -3, 'generic', '1.2.0', 'write fast', K1, 'Sets the expiration time of a key to a Unix timestamp.', expire(1000, true, 'expireat')),
  cmd('pexpireat', -3, 'generic', '2.6.0', 'write fast', K1, 'Sets the expiration time of a key to a Unix milliseconds timestamp.', expire(1, true, 'pexpireat')),
  cmd('ttl', 2, 'generic', '1.0.0', 'readonly fast', K1, 'Returns the expiration time in seconds of a key.', ttl(false)),
  cmd('pttl', 2, 'generic', '2.6.0', 'readonly fast', K1, 'Returns the expiration time in milliseconds of a key.', ttl(true)),
  cmd('expiretime', 2, 'generic', '7.0.0', 'readonly fast', K1, 'Returns the expiration time of a key as a Unix timestamp.', ttl(false, true)),
  cmd('pexpiretime', 2, 'generic', '7.0.0', 'readonly fast', K1, 'Returns the expiration time of a key as a Unix milliseconds timestamp.', ttl(true, true)),
  cmd('persist', 2, 'generic', '2.2.0', 'write fast', K1, 'Removes the expiration time of a key.', persist),
  cmd('keys', 2, 'generic', '1.0.0', 'readonly', NONE, 'Returns all key names that match a pattern.', keys),
  cmd('scan', -2, 'generic', '2.8.0', 'readonly', NONE, 'Iterates over the key names in the database.', scan),
  cmd('randomkey', 1, 'generic', '1.0.0', 'readonly', NONE, 'Returns a random key name from the database.', randomkey),
];
