// Argument lists for COMMAND DOCS, written the way Redis documents them ("key value [NX|XX]"), and
// turned into the argument maps redis-cli reads to print its hints and `help`.

import type { ReplyWriter } from '../reply.js';

/** Signatures of the commands that take arguments (subcommands as 'parent|sub'). */
export const SIGNATURES: Record<string, string> = {
  get: 'key', set: 'key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]',
  setnx: 'key value', setex: 'key seconds value', psetex: 'key milliseconds value', getset: 'key value', getdel: 'key',
  getex: 'key [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|PERSIST]',
  mget: 'key...', mset: 'data...', msetnx: 'data...', append: 'key value', strlen: 'key', getrange: 'key start end',
  substr: 'key start end', setrange: 'key offset value', incr: 'key', decr: 'key', incrby: 'key increment',
  decrby: 'key decrement', incrbyfloat: 'key increment', del: 'key...', unlink: 'key...', exists: 'key...',
  type: 'key', rename: 'key newkey', renamenx: 'key newkey', expire: 'key seconds [NX|XX|GT|LT]',
  pexpire: 'key milliseconds [NX|XX|GT|LT]', expireat: 'key unix-time-seconds [NX|XX|GT|LT]',
  pexpireat: 'key unix-time-milliseconds [NX|XX|GT|LT]', ttl: 'key', pttl: 'key', expiretime: 'key', pexpiretime: 'key', persist: 'key', keys: 'pattern',
  scan: 'cursor [MATCH pattern] [COUNT count] [TYPE type]', ping: '[message]', echo: 'message',
  hello: '[protover]', auth: '[username] password', select: 'index', flushdb: '[ASYNC|SYNC]', flushall: '[ASYNC|SYNC]',
  info: '[section...]', bgsave: '[SCHEDULE]', shutdown: '[NOSAVE|SAVE] [NOW] [FORCE]',
  'client|setname': 'connection-name', 'client|setinfo': 'LIB-NAME libname|LIB-VER libver',
  'config|get': 'parameter...', 'config|set': 'data...', 'command|info': '[command-name...]', 'command|docs': '[command-name...]',
};

interface Arg {
  name: string;
  type: string;
  token?: string;
  optional?: boolean;
  multiple?: boolean;
  arguments?: Arg[];
}

/** Splits on spaces outside brackets. */
function words(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (ch === ' ' && depth === 0) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

/** One alternative: "EX seconds" (token and value), "NX" (a pure token) or "key" (a value). */
function item(text: string): Arg {
  const [first, second] = text.split(' ');
  const multiple = text.endsWith('...');
  const clean = (s: string) => s.replace(/\.\.\.$/, '');
  const typeOf = (name: string) => (name === 'key' || name === 'newkey' ? 'key' : /seconds|milliseconds|count|index|offset|increment|decrement|start|end/.test(name) ? 'integer' : name === 'pattern' ? 'pattern' : 'string');
  if (second !== undefined) return { name: clean(second), type: typeOf(clean(second)), token: first, multiple };
  if (first === first.toUpperCase() && /[A-Z]/.test(first)) return { name: first.toLowerCase(), type: 'pure-token', token: first };
  return { name: clean(first), type: typeOf(clean(first)), multiple };
}

function parse(word: string): Arg {
  const optional = word.startsWith('[') && word.endsWith(']');
  const body = optional ? word.slice(1, -1) : word;
  const alts = body.split('|').map(item);
  const arg: Arg = alts.length > 1 ? { name: alts.map((a) => a.name).join('-'), type: 'oneof', arguments: alts } : alts[0];
  if (optional) arg.optional = true;
  return arg;
}

/** The arguments of a command for COMMAND DOCS, or undefined if it takes none. */
export function argumentsOf(name: string): Arg[] | undefined {
  const sig = SIGNATURES[name];
  return sig === undefined ? undefined : words(sig).map(parse);
}

/** Writes argument maps (name, type, token, flags, nested arguments) as Redis's COMMAND DOCS does. */
export function writeArguments(out: ReplyWriter, args: Arg[]): void {
  out.array(args.length);
  for (const a of args) {
    const flags = [a.optional && 'optional', a.multiple && 'multiple'].filter((f): f is string => typeof f === 'string');
    const fields = 2 + (a.token ? 1 : 0) + (flags.length ? 1 : 0) + (a.arguments ? 1 : 0);
    out.map(fields);
    out.bulkLatin1('name');
    out.bulkLatin1(a.name);
    out.bulkLatin1('type');
    out.bulkLatin1(a.type);
    if (a.token) {
      out.bulkLatin1('token');
      out.bulkLatin1(a.token);
    }
    if (flags.length) {
      out.bulkLatin1('flags');
      out.set(flags.length);
      for (const f of flags) out.simple(f);
    }
    if (a.arguments) {
      out.bulkLatin1('arguments');
      writeArguments(out, a.arguments);
    }
  }
}
