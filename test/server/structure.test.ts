// The server's import structure (issue 16): no import cycle among src/server's files (type-only
// imports count), commands and connections see the server only through context.ts, which imports
// none of the server, the connection or the commands, and no file is over 600 lines.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/server');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? tsFiles(p) : f.endsWith('.ts') ? [p] : [];
  });
}

const files = tsFiles(root);
const name = (p: string) => relative(root, p);

/** Each file's relative imports and re-exports inside src/server, as names relative to it. */
const imports = new Map<string, string[]>(
  files.map((f) => {
    const text = readFileSync(f, 'utf8');
    const targets = [...text.matchAll(/(?:import|export)\s+(?:type\s+)?[^'";]*?from\s+['"](\.[^'"]+)['"]/g)]
      .map((m) => resolve(dirname(f), m[1]).replace(/\.js$/, '.ts'))
      .filter((t) => files.includes(t));
    return [name(f), targets.map(name)];
  }),
);

/** A path of imports that leads back to its start, or undefined. */
function findCycle(): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (f: string): string[] | undefined => {
    if (state.get(f) === 'done') return undefined;
    if (state.get(f) === 'open') return [...path.slice(path.indexOf(f)), f];
    state.set(f, 'open');
    path.push(f);
    for (const t of imports.get(f) ?? []) {
      const cycle = visit(t);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(f, 'done');
    return undefined;
  };
  for (const f of imports.keys()) {
    const cycle = visit(f);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('src/server structure', () => {
  it('has no import cycle', () => {
    expect(findCycle()).toBeUndefined();
  });

  it('context.ts imports none of the server, the connection, the dispatcher or the commands', () => {
    const banned = (t: string) => t === 'server.ts' || t === 'client.ts' || t === 'dispatch.ts' || t === 'command.ts' || t.startsWith('commands/');
    expect(imports.get('context.ts')!.filter(banned)).toEqual([]);
  });

  it('the commands do not import the server or the connection', () => {
    for (const [f, targets] of imports) {
      if (f.startsWith('commands/') || f === 'command.ts') {
        expect(targets.filter((t) => t === 'server.ts' || t === 'client.ts' || t === 'dispatch.ts'), f).toEqual([]);
      }
    }
  });

  it('has no file over 600 lines', () => {
    for (const f of files) expect(readFileSync(f, 'utf8').split('\n').length, name(f)).toBeLessThanOrEqual(600);
  });
});
