// Connection commands: PING ECHO QUIT HELLO AUTH SELECT and CLIENT, with Redis 7.0's replies.

import type { Session } from '../context.js';
import { E_SYNTAX, arityError, cmd, int64Arg, NO_KEYS, type CommandSpec } from '../command.js';

/** The Redis API level this server follows (HELLO's version, INFO's redis_version). */
export const REDIS_VERSION = '7.0.15';

function ping(c: Session): void {
  if (c.cmd.argc > 2) return c.out.error(arityError('ping'));
  if (c.cmd.argc === 2) c.out.bulk(c.cmd.bytes(1));
  else c.out.simple('PONG');
}

function echo(c: Session): void {
  c.out.bulk(c.cmd.bytes(1));
}

function quit(c: Session): void {
  c.out.ok();
  c.closing = true;
}

/** True if `password` opens the default user (any password does when requirepass is empty). */
function passwordOk(c: Session, user: string, password: Buffer): boolean {
  if (user !== 'default') return false;
  const want = c.server.config.requirepass;
  return want === '' || Buffer.from(want, 'utf8').equals(password);
}

const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';

function auth(c: Session): void {
  const cmd = c.cmd;
  if (cmd.argc > 3) return c.out.error(E_SYNTAX);
  if (cmd.argc === 2 && c.server.config.requirepass === '') {
    return c.out.error(
      'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
    );
  }
  const user = cmd.argc === 3 ? cmd.str(1) : 'default';
  if (!passwordOk(c, user, cmd.bytes(cmd.argc - 1))) return c.out.error(WRONGPASS);
  c.authenticated = true;
  c.out.ok();
}

/** Client names: printable ASCII without spaces ('!' to '~'), as Redis requires. */
function nameError(name: Buffer): string | undefined {
  for (const b of name) if (b < 0x21 || b > 0x7e) return 'ERR Client names cannot contain spaces, newlines or special characters.';
  return undefined;
}

/** HELLO [protover [AUTH user pass] [SETNAME name]]: switches protocol and answers the server's description. */
function hello(c: Session): void {
  const cmd = c.cmd;
  let ver = 0;
  if (cmd.argc >= 2) {
    const v = int64Arg(c, 1, 'ERR Protocol version is not an integer or out of range');
    if (v === undefined) return;
    if (v < 2n || v > 3n) return c.out.error('NOPROTO unsupported protocol version');
    ver = Number(v);
  }
  let user: string | undefined;
  let pass: Buffer | undefined;
  let name: Buffer | undefined;
  for (let j = 2; j < cmd.argc; j++) {
    const more = cmd.argc - 1 - j;
    if (cmd.is(j, 'AUTH') && more >= 2) {
      user = cmd.str(j + 1);
      pass = cmd.copy(j + 2);
      j += 2;
    } else if (cmd.is(j, 'SETNAME') && more >= 1) {
      name = cmd.copy(j + 1);
      const err = nameError(name);
      if (err) return c.out.error(err);
      j++;
    } else return c.out.error(`ERR Syntax error in HELLO option '${cmd.cstr(j)}'`);
  }
  if (user !== undefined && pass !== undefined) {
    if (!passwordOk(c, user, pass)) return c.out.error(WRONGPASS);
    c.authenticated = true;
  }
  if (!c.authenticated) {
    return c.out.error(
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    );
  }
  if (name !== undefined) c.name = name.toString('latin1');
  if (ver) c.resp = ver as 2 | 3;
  const out = c.out;
  out.resp = c.resp;
  out.map(7);
  out.bulkLatin1('server');
  out.bulkLatin1('wasmcache');
  out.bulkLatin1('version');
  out.bulkLatin1(REDIS_VERSION);
  out.bulkLatin1('proto');
  out.int(c.resp);
  out.bulkLatin1('id');
  out.int(c.id);
  out.bulkLatin1('mode');
  out.bulkLatin1('standalone');
  out.bulkLatin1('role');
  out.bulkLatin1('master');
  out.bulkLatin1('modules');
  out.array(0);
}

/** SELECT: one database (0), as in a Redis started with `databases 1`. */
function select(c: Session): void {
  const v = int64Arg(c, 1);
  if (v === undefined) return;
  if (v < -(2n ** 31n) || v >= 2n ** 31n) return c.out.error('ERR value is out of range, value must between -2147483648 and 2147483647');
  if (v !== 0n) return c.out.error('ERR DB index is out of range');
  c.out.ok();
}

/** One CLIENT LIST / CLIENT INFO line, in Redis's field order. */
export function clientLine(c: Session): string {
  const s = c.socket;
  const now = Date.now();
  return (
    `id=${c.id} addr=${s.remoteAddress}:${s.remotePort} laddr=${s.localAddress}:${s.localPort} fd=-1 name=${c.name} ` +
    `age=${Math.floor((now - c.createdAt) / 1000)} idle=${Math.floor((now - c.lastActive) / 1000)} flags=N db=0 sub=0 psub=0 ` +
    `ssub=0 multi=-1 qbuf=${c.parser.pending} qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 ` +
    `tot-mem=0 events=r cmd=${c.lastCommand} user=default redir=-1 resp=${c.resp} lib-name=${c.libName} lib-ver=${c.libVer}\n`
  );
}

function clientSetinfo(c: Session): void {
  const value = c.cmd.str(3);
  if (/[^!-~]/.test(value)) return c.out.error(`ERR ${c.cmd.str(2)} cannot contain spaces, newlines or special characters.`);
  if (c.cmd.is(2, 'LIB-NAME')) c.libName = value;
  else if (c.cmd.is(2, 'LIB-VER')) c.libVer = value;
  else return c.out.error(`ERR Unrecognized option '${c.cmd.str(2)}'`);
  c.out.ok();
}

function clientSetname(c: Session): void {
  const name = c.cmd.bytes(2);
  const err = nameError(name);
  if (err) return c.out.error(err);
  c.name = name.toString('latin1');
  c.out.ok();
}

const CLIENT_HELP = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'LIST',
  '    Return information about client connections.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'SETINFO <LIB-NAME|LIB-VER> <value>',
  '    Set client library name or version.',
  'HELP',
  '    Print this help.',
];

const sub = (name: string, arity: number, summary: string, run: (c: Session) => void, flags = 'noscript loading stale'): CommandSpec =>
  cmd(`client|${name}`, arity, 'connection', '2.4.0', flags, NO_KEYS, summary, run);

const clientSubs: CommandSpec[] = [
  sub('id', 2, 'Returns the unique client ID of the connection.', (c) => c.out.int(c.id)),
  sub('getname', 2, 'Returns the name of the connection.', (c) => (c.name === '' ? c.out.nil() : c.out.bulkLatin1(c.name))),
  sub('setname', 3, 'Sets the connection name.', clientSetname),
  sub('setinfo', 4, 'Sets information specific to the client or connection.', clientSetinfo),
  sub('info', 2, 'Returns information about the connection.', (c) => c.out.verbatim(clientLine(c))),
  sub('list', -2, 'Lists open connections.', (c) => c.out.verbatim([...c.server.clients].map(clientLine).join(''))),
  sub('help', 2, 'Returns helpful text about the different subcommands.', (c) => {
    c.out.array(CLIENT_HELP.length);
    for (const line of CLIENT_HELP) c.out.simple(line);
  }),
];

/** The connection commands. */
export const connectionCommands: CommandSpec[] = [
  cmd('ping', -1, 'connection', '1.0.0', 'fast', NO_KEYS, 'Returns the server\'s liveliness response.', ping),
  cmd('echo', 2, 'connection', '1.0.0', 'fast', NO_KEYS, 'Returns the given string.', echo),
  cmd('quit', -1, 'connection', '1.0.0', 'noscript loading stale fast no_auth', NO_KEYS, 'Closes the connection.', quit, { noAuth: true }),
  cmd('hello', -1, 'connection', '6.0.0', 'noscript loading stale fast no_auth', NO_KEYS, 'Handshakes with the Redis server.', hello, { noAuth: true }),
  cmd('auth', -2, 'connection', '1.0.0', 'noscript loading stale fast no_auth', NO_KEYS, 'Authenticates the connection.', auth, { noAuth: true }),
  cmd('select', 2, 'connection', '1.0.0', 'loading stale fast', NO_KEYS, 'Changes the selected database.', select),
  cmd('client', -2, 'connection', '2.4.0', '', NO_KEYS, 'A container for client connection commands.', () => undefined, {
    sub: new Map(clientSubs.map((s) => [s.name.split('|')[1].toUpperCase(), s])),
  }),
];
