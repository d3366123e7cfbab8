// Deno (the `deno` npm package's binary): the README's Deno example runs as written against the
// packed package. The app directory has a package.json and node_modules, so Deno resolves
// `npm:wasmcache` from node_modules (nothing is fetched from a registry).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectedOutput, installPackage, readmeExamples, requireFile, root, run } from './package.js';

const DENO = join(root, 'node_modules', '.bin', 'deno');
let app: string;

beforeAll(async () => {
  requireFile(DENO, 'the deno devDependency is not installed: npm install');
  app = await installPackage('deno');
}, 30_000);

describe('Deno', { timeout: 60_000 }, () => {
  it('runs the README example as written', async () => {
    const [example] = readmeExamples('Deno');
    expect(example.lang).toBe('js');
    const file = /^\/\/ ([\w.]+):/.exec(example.code)?.[1] ?? 'main.js';
    writeFileSync(join(app, file), example.code);
    const env = { ...process.env, DENO_DIR: join(app, '.deno'), NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' };
    const { stdout: version } = await run(DENO, ['--version'], { env });
    const { stdout } = await run(DENO, ['run', '--no-prompt', file], { cwd: app, env });
    expect(stdout.trimEnd().split('\n')).toEqual(expectedOutput(example.code));
    console.log(version.split('\n')[0]);
  });
});
