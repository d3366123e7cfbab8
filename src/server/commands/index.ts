// The command table: every command by name, found from the request bytes without building a
// string (a hash of the lower-cased name, then a byte comparison). It gathers the command modules;
// the server owns one, and the commands see it only as context.ts's CommandRegistry.

import type { CommandSpec } from '../command.js';
import type { CommandRegistry } from '../context.js';
import type { Command } from '../resp.js';
import { adminCommands } from './admin.js';
import { connectionCommands } from './connection.js';
import { keyCommands } from './keys.js';
import { stringCommands } from './strings.js';
import { unsupportedCommands } from './unsupported.js';

function hashLower(buf: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5;
  for (let i = s; i < e; i++) {
    let c = buf[i];
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h >>> 0;
}

export class CommandTable implements CommandRegistry {
  private readonly byHash = new Map<number, CommandSpec[]>();
  private readonly specs: CommandSpec[];

  constructor() {
    this.specs = [...connectionCommands, ...stringCommands, ...keyCommands, ...adminCommands, ...unsupportedCommands];
    for (const s of this.specs) {
      const bytes = Buffer.from(s.name, 'latin1');
      const h = hashLower(bytes, 0, bytes.length);
      const list = this.byHash.get(h) ?? [];
      list.push(s);
      this.byHash.set(h, list);
    }
  }

  /** Number of top-level commands (COMMAND COUNT). */
  get size(): number {
    return this.specs.length;
  }

  all(): CommandSpec[] {
    return this.specs;
  }

  /** The command named by argument i of `cmd`, ignoring case. */
  lookup(cmd: Command, i: number): CommandSpec | undefined {
    const s = cmd.start[i];
    const e = cmd.end[i];
    const list = this.byHash.get(hashLower(cmd.buf, s, e));
    if (list === undefined) return undefined;
    for (const spec of list) {
      if (spec.name.length !== e - s) continue;
      let k = 0;
      for (; k < spec.name.length; k++) {
        let c = cmd.buf[s + k];
        if (c >= 0x41 && c <= 0x5a) c |= 0x20;
        if (c !== spec.name.charCodeAt(k)) break;
      }
      if (k === spec.name.length) return spec;
    }
    return undefined;
  }

  /** A command by name, ignoring case (COMMAND INFO / DOCS); 'parent|sub' names a subcommand. */
  byName(name: string): CommandSpec | undefined {
    const [top, sub] = name.toLowerCase().split('|');
    const spec = this.specs.find((s) => s.name === top);
    return sub === undefined ? spec : spec?.sub?.get(sub.toUpperCase());
  }
}
