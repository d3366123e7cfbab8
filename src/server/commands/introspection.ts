// COMMAND, COMMAND INFO and COMMAND DOCS: enough metadata for clients and for redis-cli's hints
// (it reads each command's summary, since and group, and subcommands named 'parent|sub').

import type { CommandInfo, Session } from '../context.js';
import { argumentsOf, writeArguments } from './signatures.js';

/** The table entries named by arguments `from`.. (all when there are none); undefined for unknown names. */
function selected(c: Session, from: number): readonly (CommandInfo | undefined)[] {
  if (c.cmd.argc <= from) return c.server.table.all();
  const out: (CommandInfo | undefined)[] = [];
  for (let i = from; i < c.cmd.argc; i++) out.push(c.server.table.byName(c.cmd.str(i)));
  return out;
}

function writeInfo(c: Session, s: CommandInfo): void {
  const out = c.out;
  out.array(10);
  out.bulkLatin1(s.name);
  out.int(s.arity);
  out.set(s.flags.length);
  for (const f of s.flags) out.simple(f);
  out.int(s.keys[0]);
  out.int(s.keys[1]);
  out.int(s.keys[2]);
  out.set(0); // ACL categories
  out.array(0); // tips
  out.array(0); // key specs
  const subs = s.sub ? [...s.sub.values()] : [];
  out.array(subs.length);
  for (const sub of subs) writeInfo(c, sub);
}

/** COMMAND and COMMAND INFO [name ...]. */
export function commandInfo(c: Session): void {
  const list = selected(c, c.cmd.argc >= 2 && c.cmd.is(1, 'INFO') ? 2 : 1);
  c.out.array(list.length);
  for (const s of list) {
    if (s === undefined) c.out.nilArray();
    else writeInfo(c, s);
  }
}

function writeDocs(c: Session, s: CommandInfo): void {
  const out = c.out;
  const subs = s.sub ? [...s.sub.values()] : [];
  const args = argumentsOf(s.name);
  out.map(3 + (subs.length ? 1 : 0) + (args ? 1 : 0));
  out.bulkLatin1('summary');
  out.bulkText(s.summary);
  out.bulkLatin1('since');
  out.bulkLatin1(s.since);
  out.bulkLatin1('group');
  out.bulkLatin1(s.group);
  if (args) {
    out.bulkLatin1('arguments');
    writeArguments(out, args);
  }
  if (subs.length) {
    out.bulkLatin1('subcommands');
    out.map(subs.length);
    for (const sub of subs) {
      out.bulkLatin1(sub.name);
      writeDocs(c, sub);
    }
  }
}

/** COMMAND DOCS [name ...]: a map of name to documentation (unknown names are left out, as in Redis). */
export function commandDocs(c: Session): void {
  const list = selected(c, 2).filter((s): s is CommandInfo => s !== undefined);
  c.out.map(list.length);
  for (const s of list) {
    c.out.bulkLatin1(s.name);
    writeDocs(c, s);
  }
}
