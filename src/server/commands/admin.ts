// Server commands: DBSIZE FLUSHDB FLUSHALL INFO CONFIG SAVE BGSAVE LASTSAVE SHUTDOWN COMMAND TIME.

import { hostname, platform, arch, release } from 'node:os';
import type { Session } from '../context.js';
import { E_SYNTAX, cmd, NO_KEYS, type CommandSpec, type LateReply } from '../command.js';
import { compileGlob } from '../glob.js';
import { REDIS_VERSION } from './connection.js';
import { configParams } from './config-params.js';
import { commandDocs, commandInfo } from './introspection.js';

function dbsize(c: Session): void {
  c.out.int(c.server.cache.size);
}

function flush(c: Session): void {
  if (c.cmd.argc > 2 || (c.cmd.argc === 2 && !c.cmd.is(1, 'ASYNC') && !c.cmd.is(1, 'SYNC'))) return c.out.error(E_SYNTAX);
  c.server.cache.clear();
  c.server.exactExpiry.clear();
  c.out.ok();
}

function human(bytes: number): string {
  const units = ['B', 'K', 'M', 'G'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v}B` : `${v.toFixed(2)}${units[u]}`;
}

/** Keys with an expiry time (the Cache API has no counter for it: counted by a walk, up to 100k keys). */
function expiresCount(c: Session): number {
  const cache = c.server.cache;
  if (cache.size > 100_000) return 0;
  let n = 0;
  let cursor = 0;
  do {
    const [next, keys] = cache.scan(cursor, 1024);
    for (const k of keys) if (cache.ttl(k) >= 0) n++;
    cursor = next;
  } while (cursor !== 0);
  return n;
}

/** INFO's sections, each a list of `field:value` lines (Redis's format: ioredis reads `loading:`). */
function infoSections(c: Session): Record<string, () => string[]> {
  const server = c.server;
  return {
    server: () => {
      const up = Math.floor((Date.now() - server.startedAt) / 1000);
      return [
        `redis_version:${REDIS_VERSION}`,
        'redis_mode:standalone',
        `os:${platform()} ${release()} ${arch()}`,
        'arch_bits:64',
        `process_id:${process.pid}`,
        `tcp_port:${server.port}`,
        `uptime_in_seconds:${up}`,
        `uptime_in_days:${Math.floor(up / 86400)}`,
        `executable:${process.argv[1] ?? ''}`,
        `server_name:wasmcache`,
        `node_version:${process.versions.node}`,
        `hostname:${hostname()}`,
      ];
    },
    clients: () => [`connected_clients:${server.clients.size}`, `maxclients:${server.config.maxclients}`, 'blocked_clients:0'],
    memory: () => {
      const s = server.cache.stats();
      return [
        `used_memory:${s.usedBytes}`,
        `used_memory_human:${human(s.usedBytes)}`,
        `maxmemory:${s.maxBytes}`,
        `maxmemory_human:${human(s.maxBytes)}`,
        `maxmemory_policy:${s.policy}`,
      ];
    },
    persistence: () => ['loading:0', `rdb_last_save_time:${server.lastSave}`, 'aof_enabled:0'],
    stats: () => {
      const s = server.cache.stats();
      return [
        `total_connections_received:${server.stats.connectionsReceived}`,
        `total_commands_processed:${server.stats.commandsProcessed}`,
        `rejected_connections:${server.stats.rejectedConnections}`,
        `expired_keys:${s.expired}`,
        `evicted_keys:${s.evictions}`,
        `keyspace_hits:${s.hits}`,
        `keyspace_misses:${s.misses}`,
      ];
    },
    replication: () => ['role:master', 'connected_slaves:0'],
    keyspace: () => {
      const n = server.cache.size;
      return n === 0 ? [] : [`db0:keys=${n},expires=${expiresCount(c)},avg_ttl=0`];
    },
  };
}

const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'keyspace'];

/** INFO [section ...]: "# Section" headers, CRLF line ends, a blank line between sections. */
function info(c: Session): void {
  const sections = infoSections(c);
  let wanted: string[] = [];
  if (c.cmd.argc === 1) wanted = DEFAULT_SECTIONS;
  for (let i = 1; i < c.cmd.argc; i++) {
    const s = c.cmd.str(i).toLowerCase();
    if (s === 'all' || s === 'everything' || s === 'default') wanted.push(...DEFAULT_SECTIONS);
    else wanted.push(s);
  }
  const parts: string[] = [];
  for (const name of new Set(wanted)) {
    const make = sections[name];
    if (!make) continue;
    const title = name[0].toUpperCase() + name.slice(1);
    parts.push([`# ${title}`, ...make()].join('\r\n') + '\r\n');
  }
  c.out.verbatim(parts.join('\r\n'));
}

/** CONFIG GET pattern [pattern ...]: a map of matching parameters. */
function configGet(c: Session): void {
  const params = configParams(c.server);
  const found = new Map<string, string>();
  for (let i = 2; i < c.cmd.argc; i++) {
    const glob = compileGlob(c.cmd.bytes(i), true);
    for (const [name, p] of Object.entries(params)) {
      if (glob.test(Buffer.from(name, 'latin1'))) found.set(name, p.get());
    }
  }
  c.out.map(found.size);
  for (const [k, v] of found) {
    c.out.bulkLatin1(k);
    c.out.bulkText(v);
  }
}

/** CONFIG SET name value [name value ...]: all checked before any is applied. */
function configSet(c: Session): void {
  const cmd = c.cmd;
  if ((cmd.argc - 2) % 2 !== 0) return c.out.error("ERR wrong number of arguments for 'config|set' command");
  const params = configParams(c.server);
  const changes: [string, string][] = [];
  for (let i = 2; i < cmd.argc; i += 2) {
    const name = cmd.str(i).toLowerCase();
    const p = params[name];
    if (!p || !p.set) return c.out.error(`ERR Unknown option or number of arguments for CONFIG SET - '${cmd.cstr(i)}'`);
    changes.push([name, cmd.str(i + 1)]);
  }
  for (const [name, value] of changes) {
    const problem = params[name].check?.(value);
    if (problem) return c.out.error(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${problem}`);
  }
  for (const [name, value] of changes) params[name].set!(value);
  c.out.ok();
}

function save(c: Session): Promise<LateReply> {
  return c.server.save().then(
    () => (out) => out.ok(),
    (e: unknown) => (out) => out.error(`ERR ${e instanceof Error ? e.message : String(e)}`),
  );
}

function bgsave(c: Session): Promise<LateReply> | void {
  if (c.cmd.argc > 2 || (c.cmd.argc === 2 && !c.cmd.is(1, 'SCHEDULE'))) return c.out.error(E_SYNTAX);
  // A snapshot streams straight from the cache's memory in one synchronous pass (no fork needed).
  return c.server.save().then(
    () => (out) => out.simple('Background saving started'),
    (e: unknown) => (out) => out.error(`ERR ${e instanceof Error ? e.message : String(e)}`),
  );
}

/** SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE]: saves unless NOSAVE, then closes the server. */
function shutdown(c: Session): Promise<LateReply> | void {
  let saveIt = true;
  for (let i = 1; i < c.cmd.argc; i++) {
    if (c.cmd.is(i, 'NOSAVE')) saveIt = false;
    else if (c.cmd.is(i, 'SAVE')) saveIt = true;
    else if (!c.cmd.is(i, 'NOW') && !c.cmd.is(i, 'FORCE')) return c.out.error(E_SYNTAX);
  }
  return c.server.requestShutdown(saveIt).then(
    () => () => undefined, // the connection is gone: no reply, as with Redis
    () => (out) => out.error('ERR Errors trying to SHUTDOWN. Check logs.'),
  );
}

function time(c: Session): void {
  const us = BigInt(Date.now()) * 1000n + BigInt(Math.floor((performance.now() % 1) * 1000));
  c.out.array(2);
  c.out.bulkLatin1(String(us / 1000000n));
  c.out.bulkLatin1(String(us % 1000000n));
}

const configSubs: CommandSpec[] = [
  cmd('config|get', -3, 'server', '2.0.0', 'admin noscript loading stale', NO_KEYS, 'Returns the effective values of configuration parameters.', configGet),
  cmd('config|set', -4, 'server', '2.0.0', 'admin noscript loading stale', NO_KEYS, 'Sets configuration parameters in-flight.', configSet),
  cmd('config|resetstat', 2, 'server', '2.0.0', 'admin noscript loading stale', NO_KEYS, 'Resets the server\'s statistics.', (c) => c.out.ok()),
  cmd('config|rewrite', 2, 'server', '2.8.0', 'admin noscript loading stale', NO_KEYS, 'Persists the effective configuration to file.', (c) =>
    c.out.error('ERR The server is running without a config file'),
  ),
];

const commandSubs: CommandSpec[] = [
  cmd('command|count', 2, 'server', '2.8.13', 'loading stale', NO_KEYS, 'Returns a count of commands.', (c) => c.out.int(c.server.table.size)),
  cmd('command|info', -2, 'server', '2.8.13', 'loading stale', NO_KEYS, 'Returns information about one, multiple or all commands.', commandInfo),
  cmd('command|docs', -2, 'server', '7.0.0', 'loading stale', NO_KEYS, 'Returns documentary information about one, multiple or all commands.', commandDocs),
  cmd('command|list', -2, 'server', '7.0.0', 'loading stale', NO_KEYS, 'Returns a list of command names.', (c) => {
    const names = c.server.table.all().map((s) => s.name);
    c.out.array(names.length);
    for (const n of names) c.out.bulkLatin1(n);
  }),
];

const subMap = (list: CommandSpec[]) => new Map(list.map((s) => [s.name.split('|')[1].toUpperCase(), s]));

/** The server commands. */
export const adminCommands: CommandSpec[] = [
  cmd('dbsize', 1, 'server', '1.0.0', 'readonly fast', NO_KEYS, 'Returns the number of keys in the database.', dbsize),
  cmd('flushdb', -1, 'server', '1.0.0', 'write', NO_KEYS, 'Remove all keys from the current database.', flush),
  cmd('flushall', -1, 'server', '1.0.0', 'write', NO_KEYS, 'Removes all keys from all databases.', flush),
  cmd('info', -1, 'server', '1.0.0', 'loading stale', NO_KEYS, 'Returns information and statistics about the server.', info),
  cmd('config', -2, 'server', '2.0.0', '', NO_KEYS, 'A container for server configuration commands.', () => undefined, { sub: subMap(configSubs) }),
  cmd('save', 1, 'server', '1.0.0', 'admin noscript', NO_KEYS, 'Synchronously saves the database(s) to disk.', save),
  cmd('bgsave', -1, 'server', '1.0.0', 'admin noscript', NO_KEYS, 'Asynchronously saves the database(s) to disk.', bgsave),
  cmd('lastsave', 1, 'server', '1.0.0', 'loading stale fast', NO_KEYS, 'Returns the Unix timestamp of the last successful save to disk.', (c) => c.out.int(c.server.lastSave)),
  cmd('shutdown', -1, 'server', '1.0.0', 'admin noscript loading stale', NO_KEYS, 'Synchronously saves the database(s) to disk and shuts down the Redis server.', shutdown),
  cmd('time', 1, 'server', '2.6.0', 'loading stale fast', NO_KEYS, 'Returns the server time.', time),
  cmd('command', -1, 'server', '2.8.13', 'loading stale', NO_KEYS, 'Returns detailed information about all commands.', commandInfo, { sub: subMap(commandSubs) }),
];
