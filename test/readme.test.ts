// The README's TypeScript examples are run as written (importing this checkout instead of the
// published package). A line `console.log(a, b) // → x, y` becomes an assertion that the logged
// values deep-equal x and y, so the documented output cannot drift from the real one.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
const tmp = join(root, 'test', '.readme');

/** Turns `console.log(X) // → Y` into `__check([X], [Y], line)`. */
function instrument(code: string): string {
  return code
    .replaceAll("from 'wasmcache'", `from ${JSON.stringify(join(root, 'src', 'index.js'))}`)
    .replaceAll("from 'wasmcache/keyv'", `from ${JSON.stringify(join(root, 'src', 'keyv', 'index.js'))}`)
    .split('\n')
    .map((line, i) => {
      const m = /^(\s*)console\.log\((.*)\)\s*\/\/ → (.*)$/.exec(line);
      return m ? `${m[1]}__check([${m[2]}], [${m[3]}], ${i + 1});` : line;
    })
    .join('\n');
}

describe('README examples', () => {
  it('has examples to run, each with checked output', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    for (const b of blocks) expect(b).toMatch(/console\.log\(.*\) \/\/ → /);
  });

  blocks.forEach((code, n) => {
    it(`example ${n + 1} runs and prints what the README says`, async () => {
      const checks: number[] = [];
      (globalThis as Record<string, unknown>).__check = (got: unknown[], want: unknown[], line: number) => {
        expect(got, `README example ${n + 1}, line ${line}`).toEqual(want);
        checks.push(line);
      };
      mkdirSync(tmp, { recursive: true });
      const file = join(tmp, `example-${n + 1}.ts`);
      writeFileSync(file, instrument(code));
      await import(/* @vite-ignore */ `${file}?t=${Date.now()}`);
      expect(checks.length).toBe((code.match(/\/\/ → /g) ?? []).length);
    });
  });
});
