// String commands (Redis t_string.c): values are stored as bytes, so GET copies them straight from
// the cache's memory into the reply. Read-modify-write commands (APPEND, SETRANGE, INCR...) keep
// the key's TTL, as Redis does.

import type { Session } from '../context.js';
import {
  E_NOT_FLOAT, E_NOT_INT, E_OVERFLOW, E_SYNTAX, arityError, cmd, expiryArg, int64Arg, type CommandSpec,
} from '../command.js';
import { expireAt, nowMs, remember } from '../expiry.js';
import { INT64_MIN, addLongDouble, formatLongDouble, inInt64, isInfinite, parseInt64, parseLongDouble } from '../numbers.js';

/** Redis's largest string (proto-max-bulk-len's default), for SETRANGE and APPEND. */
const MAX_STRING = 512 * 1024 * 1024;

function get(c: Session): void {
  const v = c.server.cache.getView(c.cmd.view(1));
  if (v === undefined) c.out.nil();
  else c.out.bulk(v);
}

/** A copy of the key's bytes (views of the cache are invalidated by the next write), or undefined. */
function current(c: Session, i = 1): Buffer | undefined {
  const v = c.server.cache.getView(c.cmd.bytes(i));
  return v === undefined ? undefined : Buffer.from(v);
}

const SET_NX = 1;
const SET_XX = 2;
const SET_GET = 4;
const SET_KEEPTTL = 8;

/**
 * Stores `value` under `key` with an absolute expiry `at` (0 = none, or keep it with KEEPTTL).
 * An expiry already in the past deletes the key instead (SET ... EXAT <past> in Redis 7.0 leaves
 * nothing readable either). Returns false when NX or XX prevented it.
 */
function store(c: Session, key: Uint8Array, value: Uint8Array, flags: number, at: bigint): boolean {
  const cache = c.server.cache;
  if (at !== 0n) {
    const ttl = at - nowMs(c);
    if (ttl <= 0n) {
      const exists = cache.has(key);
      if ((flags & SET_NX && exists) || (flags & SET_XX && !exists)) return false;
      cache.delete(key);
      return true;
    }
    if (!cache.set(key, value, { ttl: Number(ttl), nx: (flags & SET_NX) !== 0, xx: (flags & SET_XX) !== 0 })) return false;
    remember(c, key, at);
    return true;
  }
  if (flags === 0) return cache.set(key, value);
  return cache.set(key, value, { nx: (flags & SET_NX) !== 0, xx: (flags & SET_XX) !== 0, keepTtl: (flags & SET_KEEPTTL) !== 0 });
}

/**
 * Which expiry option argument i is (1 EX, 2 PX, 3 EXAT, 4 PXAT), or 0 if it is none or conflicts
 * with the one already given (`unit`).
 */
function expiryUnit(c: Session, i: number, unit: number): number {
  const cmd = c.cmd;
  const u = cmd.is(i, 'EX') ? 1 : cmd.is(i, 'PX') ? 2 : cmd.is(i, 'EXAT') ? 3 : cmd.is(i, 'PXAT') ? 4 : 0;
  return unit === 0 || u === unit ? u : 0;
}

/** SET key value [NX|XX] [GET] [EX s|PX ms|EXAT t|PXAT t|KEEPTTL]: options parsed left to right as in Redis 7.0. */
function set(c: Session): void {
  const cmd = c.cmd;
  if (cmd.argc === 3) {
    c.server.cache.set(cmd.view(1), cmd.view(2));
    c.out.ok();
    return;
  }
  let flags = 0;
  let unit = 0; // 0 none, else which expiry option: 1 EX, 2 PX, 3 EXAT, 4 PXAT
  let expiryAt = 0;
  for (let i = 3; i < cmd.argc; i++) {
    const last = i === cmd.argc - 1;
    if (cmd.is(i, 'NX') && !(flags & SET_XX)) flags |= SET_NX;
    else if (cmd.is(i, 'XX') && !(flags & SET_NX)) flags |= SET_XX;
    else if (cmd.is(i, 'GET')) flags |= SET_GET;
    else if (cmd.is(i, 'KEEPTTL') && unit === 0) flags |= SET_KEEPTTL;
    else if (!last && !(flags & SET_KEEPTTL) && expiryUnit(c, i, unit) !== 0) {
      unit = expiryUnit(c, i, unit); // the same option again replaces the value, as in Redis
      expiryAt = ++i;
    } else {
      c.out.error(E_SYNTAX);
      return;
    }
  }
  let at = 0n;
  if (unit !== 0) {
    const relative = unit <= 2 ? c.server.clock.now() : 0;
    const a = expiryArg(c, expiryAt, unit === 1 || unit === 3 ? 1000 : 1, relative, 'set', true);
    if (a === undefined) return;
    at = a;
  }
  const key = cmd.bytes(1);
  const old = flags & SET_GET ? current(c) : undefined;
  const done = store(c, key, cmd.bytes(2), flags & ~SET_GET, at);
  if (flags & SET_GET) {
    if (old === undefined) c.out.nil();
    else c.out.bulk(old);
  } else if (done) c.out.ok();
  else c.out.nil();
}

function setnx(c: Session): void {
  c.out.int(c.server.cache.set(c.cmd.bytes(1), c.cmd.bytes(2), { nx: true }) ? 1 : 0);
}

/** SETEX key seconds value / PSETEX key ms value. */
function setex(unitMs: number, name: string) {
  return (c: Session): void => {
    const at = expiryArg(c, 2, unitMs, c.server.clock.now(), name, true);
    if (at === undefined) return;
    store(c, c.cmd.bytes(1), c.cmd.bytes(3), 0, at);
    c.out.ok();
  };
}

function getset(c: Session): void {
  const old = current(c);
  c.server.cache.set(c.cmd.bytes(1), c.cmd.bytes(2));
  if (old === undefined) c.out.nil();
  else c.out.bulk(old);
}

function getdel(c: Session): void {
  const key = c.cmd.bytes(1);
  const v = c.server.cache.getView(key);
  if (v === undefined) return c.out.nil();
  c.out.bulk(v); // written out before the delete can reuse the memory
  c.server.cache.delete(key);
}

/** GETEX key [EX s|PX ms|EXAT t|PXAT t|PERSIST]. */
function getex(c: Session): void {
  const cmd = c.cmd;
  let unit = 0;
  let expiryAt = 0;
  let persist = false;
  for (let i = 2; i < cmd.argc; i++) {
    const last = i === cmd.argc - 1;
    if (cmd.is(i, 'PERSIST') && unit === 0) persist = true;
    else if (!last && !persist && expiryUnit(c, i, unit) !== 0) {
      unit = expiryUnit(c, i, unit);
      expiryAt = ++i;
    } else return c.out.error(E_SYNTAX);
  }
  // Redis 7.0 looks the key up before it checks the expiry value.
  const cache = c.server.cache;
  const key = cmd.bytes(1);
  if (!cache.has(key)) return c.out.nil();
  let at = 0n;
  if (unit !== 0) {
    const a = expiryArg(c, expiryAt, unit === 1 || unit === 3 ? 1000 : 1, unit <= 2 ? c.server.clock.now() : 0, 'getex', true);
    if (a === undefined) return;
    at = a;
  }
  const v = cache.getView(key);
  if (v === undefined) return c.out.nil();
  c.out.bulk(v);
  if (persist) cache.persist(key);
  else if (at !== 0n) {
    if (at <= nowMs(c)) cache.delete(key);
    else expireAt(c, key, at);
  }
}

function mget(c: Session): void {
  const cache = c.server.cache;
  c.out.array(c.cmd.argc - 1);
  for (let i = 1; i < c.cmd.argc; i++) {
    const v = cache.getView(c.cmd.view(i));
    if (v === undefined) c.out.nil();
    else c.out.bulk(v);
  }
}

function pairs(c: Session): [Uint8Array, Uint8Array][] | undefined {
  if ((c.cmd.argc - 1) % 2 !== 0) {
    c.out.error(arityError(c.cmd.is(0, 'MSET') ? 'mset' : 'msetnx'));
    return undefined;
  }
  const list: [Uint8Array, Uint8Array][] = [];
  for (let i = 1; i < c.cmd.argc; i += 2) list.push([c.cmd.bytes(i), c.cmd.bytes(i + 1)]);
  return list;
}

function mset(c: Session): void {
  const list = pairs(c);
  if (list === undefined) return;
  c.server.cache.mset(list);
  c.out.ok();
}

function msetnx(c: Session): void {
  const list = pairs(c);
  if (list === undefined) return;
  const cache = c.server.cache;
  for (const [k] of list) {
    if (cache.has(k)) return c.out.int(0);
  }
  cache.mset(list);
  c.out.int(1);
}

function strlen(c: Session): void {
  const v = c.server.cache.getView(c.cmd.bytes(1));
  c.out.int(v === undefined ? 0 : v.length);
}

/** Writes `value` back under the key, keeping its TTL (or none for a new key). */
function rewrite(c: Session, key: Uint8Array, value: Uint8Array, existed: boolean): void {
  if (existed) c.server.cache.set(key, value, { keepTtl: true });
  else c.server.cache.set(key, value);
}

function append(c: Session): void {
  const key = c.cmd.bytes(1);
  const old = c.server.cache.getView(key);
  const add = c.cmd.bytes(2);
  const total = (old?.length ?? 0) + add.length;
  if (total > MAX_STRING) return c.out.error('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
  const next = Buffer.allocUnsafe(total);
  if (old !== undefined) next.set(old, 0);
  next.set(add, total - add.length);
  rewrite(c, key, next, old !== undefined);
  c.out.int(total);
}

/** GETRANGE key start end, with Redis 7.0's index rules (negative from the end, clamped). */
function getrange(c: Session): void {
  const s = int64Arg(c, 2);
  if (s === undefined) return;
  const e = int64Arg(c, 3);
  if (e === undefined) return;
  const v = c.server.cache.getView(c.cmd.bytes(1));
  if (v === undefined) return c.out.bulkLatin1('');
  const len = BigInt(v.length);
  let start = s;
  let end = e;
  if (start < 0n && end < 0n && start > end) return c.out.bulkLatin1('');
  if (start < 0n) start += len;
  if (end < 0n) end += len;
  if (start < 0n) start = 0n;
  if (end < 0n) end = 0n;
  if (end >= len) end = len - 1n;
  if (start > end || len === 0n) return c.out.bulkLatin1('');
  c.out.bulk(v.subarray(Number(start), Number(end) + 1));
}

function setrange(c: Session): void {
  const off = int64Arg(c, 2);
  if (off === undefined) return;
  if (off < 0n) return c.out.error('ERR offset is out of range');
  const key = c.cmd.bytes(1);
  const add = c.cmd.bytes(3);
  const old = c.server.cache.getView(key);
  if (add.length === 0) return c.out.int(old?.length ?? 0); // nothing to write: no key is created
  const end = off + BigInt(add.length);
  if (end > BigInt(MAX_STRING)) return c.out.error('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
  const total = Math.max(old?.length ?? 0, Number(end));
  const next = Buffer.alloc(total); // zero-padded, like Redis
  if (old !== undefined) next.set(old, 0);
  next.set(add, Number(off));
  rewrite(c, key, next, old !== undefined);
  c.out.int(total);
}

/** INCR / DECR / INCRBY / DECRBY over signed 64-bit integers (beyond the JS API's 2^53). */
function incrBy(c: Session, by: bigint): void {
  const key = c.cmd.bytes(1);
  const v = c.server.cache.getView(key);
  let n = 0n;
  if (v !== undefined) {
    const parsed = parseInt64(v, 0, v.length);
    if (parsed === undefined) return c.out.error(E_NOT_INT);
    n = parsed;
  }
  const next = n + by;
  if (!inInt64(next)) return c.out.error(E_OVERFLOW);
  rewrite(c, key, Buffer.from(next.toString(), 'latin1'), v !== undefined);
  c.out.int(next);
}

const incr = (c: Session): void => incrBy(c, 1n);
const decr = (c: Session): void => incrBy(c, -1n);

function incrby(c: Session): void {
  const by = int64Arg(c, 2);
  if (by !== undefined) incrBy(c, by);
}

function decrby(c: Session): void {
  const by = int64Arg(c, 2);
  if (by === undefined) return;
  if (by === INT64_MIN) return c.out.error('ERR decrement would overflow');
  incrBy(c, -by);
}

/** INCRBYFLOAT with long double arithmetic and "%.17Lf" printing, as redis-server computes it. */
function incrbyfloat(c: Session): void {
  const key = c.cmd.bytes(1);
  const v = c.server.cache.getView(key);
  const base = v === undefined ? { neg: false, m: 0n, e: 0 } : parseLongDouble(Buffer.from(v).toString('latin1'));
  if (base === undefined) return c.out.error(E_NOT_FLOAT);
  const by = parseLongDouble(c.cmd.str(2));
  if (by === undefined) return c.out.error(E_NOT_FLOAT);
  const sum = addLongDouble(base, by);
  if (isInfinite(sum)) return c.out.error('ERR increment would produce NaN or Infinity');
  const text = formatLongDouble(sum);
  rewrite(c, key, Buffer.from(text, 'latin1'), v !== undefined);
  c.out.bulkLatin1(text);
}

const K1 = [1, 1, 1] as const;
const KALL = [1, -1, 1] as const;
const KPAIRS = [1, -1, 2] as const;

/** The string commands. */
export const stringCommands: CommandSpec[] = [
  cmd('get', 2, 'string', '1.0.0', 'readonly fast', K1, 'Returns the string value of a key.', get),
  cmd('set', -3, 'string', '1.0.0', 'write denyoom', K1, 'Sets the string value of a key, ignoring its type. The key is created if it doesn\'t exist.', set),
  cmd('setnx', 3, 'string', '1.0.0', 'write denyoom fast', K1, 'Set the string value of a key only when the key doesn\'t exist.', setnx),
  cmd('setex', 4, 'string', '2.0.0', 'write denyoom', K1, 'Sets the string value and expiration time of a key. Creates the key if it doesn\'t exist.', setex(1000, 'setex')),
  cmd('psetex', 4, 'string', '2.6.0', 'write denyoom', K1, 'Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn\'t exist.', setex(1, 'psetex')),
  cmd('getset', 3, 'string', '1.0.0', 'write denyoom fast', K1, 'Returns the previous string value of a key after setting it to a new value.', getset),
  cmd('getdel', 2, 'string', '6.2.0', 'write fast', K1, 'Returns the string value of a key after deleting the key.', getdel),
  cmd('getex', -2, 'string', '6.2.0', 'write fast', K1, 'Returns the string value of a key after setting its expiration time.', getex),
  cmd('mget', -2, 'string', '1.0.0', 'readonly fast', KALL, 'Atomically returns the string values of one or more keys.', mget),
  cmd('mset', -3, 'string', '1.0.1', 'write denyoom', KPAIRS, 'Atomically creates or modifies the string values of one or more keys.', mset),
  cmd('msetnx', -3, 'string', '1.0.1', 'write denyoom', KPAIRS, 'Atomically modifies the string values of one or more keys only when all keys don\'t exist.', msetnx),
  cmd('append', 3, 'string', '2.0.0', 'write denyoom fast', K1, 'Appends a string to the value of a key. Creates the key if it doesn\'t exist.', append),
  cmd('strlen', 2, 'string', '2.2.0', 'readonly fast', K1, 'Returns the length of a string value.', strlen),
  cmd('getrange', 4, 'string', '2.4.0', 'readonly', K1, 'Returns a substring of the string stored at a key.', getrange),
  cmd('substr', 4, 'string', '1.0.0', 'readonly', K1, 'Returns a substring from a string value.', getrange),
  cmd('setrange', 4, 'string', '2.2.0', 'write denyoom', K1, 'Overwrites a part of a string value with another by an offset. Creates the key if it doesn\'t exist.', setrange),
  cmd('incr', 2, 'string', '1.0.0', 'write denyoom fast', K1, 'Increments the integer value of a key by one. Uses 0 as initial value if the key doesn\'t exist.', incr),
  cmd('decr', 2, 'string', '1.0.0', 'write denyoom fast', K1, 'Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn\'t exist.', decr),
  cmd('incrby', 3, 'string', '1.0.0', 'write denyoom fast', K1, 'Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn\'t exist.', incrby),
  cmd('decrby', 3, 'string', '1.0.0', 'write denyoom fast', K1, 'Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn\'t exist.', decrby),
  cmd('incrbyfloat', 3, 'string', '2.6.0', 'write denyoom fast', K1, 'Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn\'t exist.', incrbyfloat),
];
