// Node, ESM and CJS: the README's Node examples run as written against the packed package, its
// types check for import, require and the workerd condition, and examples/node/server.mjs serves.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectedOutput, installPackage, readmeExamples, root, run } from './package.js';

let app: string;

beforeAll(async () => {
  app = await installPackage('node');
}, 30_000);

async function runExample(file: string, code: string): Promise<void> {
  writeFileSync(join(app, file), code);
  const { stdout } = await run(process.execPath, [file], { cwd: app });
  expect(stdout.trimEnd().split('\n')).toEqual(expectedOutput(code));
}

describe('Node', { timeout: 60_000 }, () => {
  it('resolves import to dist/index.js and require to dist/index.cjs', async () => {
    const esm = await run(process.execPath, ['--input-type=module', '-e', "console.log(import.meta.resolve('wasmcache'))"], { cwd: app });
    const cjs = await run(process.execPath, ['-e', "console.log(require.resolve('wasmcache'))"], { cwd: app });
    expect(esm.stdout.trim()).toBe(`file://${app}/node_modules/wasmcache/dist/index.js`);
    expect(cjs.stdout.trim()).toBe(`${app}/node_modules/wasmcache/dist/index.cjs`);
  });

  it('runs the README examples (ESM, CJS, precompiled module) as written', async () => {
    const blocks = readmeExamples('Node').filter((b) => b.lang === 'js');
    expect(blocks.map((b) => b.code.split('\n')[0])).toEqual([
      '// app.mjs: node app.mjs',
      '// app.cjs: node app.cjs',
      '// shared.mjs: node shared.mjs',
    ]);
    for (const { code } of blocks) {
      expect(expectedOutput(code).length).toBeGreaterThan(0);
      await runExample(/^\/\/ ([\w.]+):/.exec(code)![1], code);
    }
  });

  it('type-checks a consumer against the packed types: import, require and the workerd condition', async () => {
    const consumer = (imp: string) => `${imp}
const a: Promise<Cache> = createCache({ maxMemory: '1mb', module: new WebAssembly.Module(new Uint8Array(0)) });
const b: Cache = createCacheSync({ policy: 'sieve' });
// @ts-expect-error: not a policy
createCacheSync({ policy: 'fifo' });
export { a, b };
`;
    writeFileSync(join(app, 'esm.mts'), consumer("import { createCache, createCacheSync, type Cache } from 'wasmcache';"));
    writeFileSync(
      join(app, 'cjs.cts'),
      consumer("import wasmcache = require('wasmcache');\nconst { createCache, createCacheSync } = wasmcache;\ntype Cache = wasmcache.Cache;"),
    );
    writeFileSync(join(app, 'worker.ts'), consumer("import { createCache, createCacheSync, type Cache } from 'wasmcache';"));
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const tsconfig = (name: string, options: object, files: string[]) => {
      const compilerOptions = { noEmit: true, strict: true, skipLibCheck: false, skipDefaultLibCheck: true, lib: ['es2022', 'dom'], types: [], ...options };
      writeFileSync(join(app, name), JSON.stringify({ compilerOptions, files }));
      return run(process.execPath, [tsc, '-p', name], { cwd: app }).catch((e: { stdout: string }) => {
        throw new Error(`tsc -p ${name}:\n${e.stdout}`);
      });
    };
    await tsconfig('tsconfig.node.json', { module: 'node16', moduleResolution: 'node16' }, ['esm.mts', 'cjs.cts']);
    await tsconfig('tsconfig.workerd.json', { module: 'esnext', moduleResolution: 'bundler', customConditions: ['workerd'] }, ['worker.ts']);
  });

  it('examples/node/server.mjs caches a slow lookup', async () => {
    const server = spawn(process.execPath, [join(root, 'examples', 'node', 'server.mjs')], {
      env: { ...process.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        server.stdout.on('data', (d: Buffer) => {
          const m = /listening on (http:\S+)/.exec(d.toString());
          if (m) resolve(m[1]);
        });
        server.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
      });
      const get = async () => {
        const t = performance.now();
        const res = await fetch(`${url}/users/42`);
        return { ms: performance.now() - t, cache: res.headers.get('x-cache'), body: await res.json() };
      };
      const first = await get();
      const second = await get();
      expect(first.cache).toBe('miss');
      expect(first.ms).toBeGreaterThanOrEqual(290);
      expect(second.cache).toBe('hit');
      expect(second.ms).toBeLessThan(first.ms);
      expect(second.body).toEqual(first.body);
      expect(first.body).toMatchObject({ id: 42, name: 'user 42' });
      const stats = (await (await fetch(`${url}/stats`)).json()) as { loads: number; hits: number };
      expect(stats).toMatchObject({ loads: 1, hits: 1 });
    } finally {
      server.kill();
    }
  });
});
