// Commands of Redis's other data types (lists, hashes, sets, sorted sets, streams, HyperLogLog).
// wasmcache stores strings only: on a key that holds a string they answer Redis's own WRONGTYPE
// error, and otherwise a clear error naming the limitation.

import type { Session } from '../context.js';
import { E_WRONGTYPE, cmd, type CommandSpec } from '../command.js';

const TYPES: Record<string, string> = {
  list: 'lpush rpush lpushx rpushx lpop rpop llen lrange lindex lset lrem ltrim linsert lpos lmove blpop brpop',
  hash: 'hset hsetnx hget hmset hmget hgetall hdel hlen hexists hkeys hvals hincrby hincrbyfloat hstrlen hscan hrandfield',
  set: 'sadd srem smembers sismember smismember scard spop srandmember smove sscan sinter sunion sdiff sintercard',
  zset: 'zadd zrem zscore zincrby zcard zcount zrange zrangebyscore zrank zrevrank zrevrange zpopmin zpopmax zscan zmscore',
  stream: 'xadd xlen xrange xrevrange xdel xtrim',
  hyperloglog: 'pfadd pfcount',
};

function refuse(type: string, name: string) {
  return (c: Session): void => {
    // blpop/brpop take the key list first too; every command here names its first key at argument 1.
    if (c.cmd.argc >= 2 && c.server.cache.has(c.cmd.bytes(1))) return c.out.error(E_WRONGTYPE);
    c.out.error(`ERR '${name}' needs a ${type}: wasmcache stores strings only`);
  };
}

/** One entry per command of another data type (at least a key argument). */
export const unsupportedCommands: CommandSpec[] = Object.entries(TYPES).flatMap(([type, names]) =>
  names.split(' ').map((name) => cmd(name, -2, type, '1.0.0', 'write', [1, 1, 1], `Not supported: wasmcache stores strings only (${type} command).`, refuse(type, name))),
);
