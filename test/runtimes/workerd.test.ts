// Cloudflare Workers, in workerd itself (through miniflare): the README's Worker, bundled from the
// packed package the way wrangler bundles (export condition `workerd`, .wasm imports kept as Wasm
// modules), sets a value in one request and reads it back in the next, in the same isolate.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs example with no types
import { bundleWorker } from '../../examples/worker/bundle.mjs';
import { installPackage, readmeExamples, root } from './package.js';

interface WorkerModule {
  type: string;
  path: string;
  contents: string | Uint8Array;
}
const bundle = bundleWorker as (entry: string, options?: { conditions?: string[] }) => Promise<WorkerModule[]>;

let app: string;
const running: { dispose(): Promise<void> }[] = [];

/** Starts workerd with a Worker whose source is `code`, bundled against the packed package. */
async function worker(name: string, code: string, conditions?: string[]): Promise<{ mf: Miniflare; modules: WorkerModule[] }> {
  const dir = join(app, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'worker.js'), code);
  const modules = await bundle(join(dir, 'worker.js'), { conditions });
  const mf = new Miniflare({ modules, compatibilityDate: '2025-06-01' });
  running.push(mf);
  return { mf, modules };
}

beforeAll(async () => {
  app = await installPackage('workerd');
}, 30_000);

afterAll(async () => {
  await Promise.all(running.map((mf) => mf.dispose()));
});

describe('workerd', { timeout: 60_000 }, () => {
  it('runs the README Worker: set in one request, get in the next, same isolate', async () => {
    const [code] = readmeExamples('Cloudflare Workers');
    expect(code.lang).toBe('js');
    expect(code.code, 'the README Worker is examples/worker/worker.js').toBe(
      readFileSync(join(root, 'examples', 'worker', 'worker.js'), 'utf8'),
    );
    const { mf, modules } = await worker('readme', code.code);
    // The `workerd` entry: the core comes in as a separate Wasm module, not inlined.
    expect(modules.map((m) => [m.type, m.path])).toEqual([
      ['ESModule', 'worker.js'],
      ['CompiledWasm', 'core.wasm'],
    ]);
    expect(modules[0].contents).toMatch(/^\/\/ \S*node_modules\/wasmcache\/dist\/index\.workerd\.js$/m);
    expect(modules[0].contents).not.toContain('AGFzbQ');
    expect(modules[1].contents).toEqual(readFileSync(join(app, 'node_modules', 'wasmcache', 'dist', 'core.wasm')));

    const put = await mf.dispatchFetch('http://worker/greeting', { method: 'PUT', body: 'hello' });
    expect([put.status, await put.text()]).toEqual([201, 'stored\n']);
    const get = await mf.dispatchFetch('http://worker/greeting');
    expect([get.status, await get.text()]).toEqual([200, 'hello\n']);
    const miss = await mf.dispatchFetch('http://worker/nothing');
    expect([miss.status, await miss.text()]).toEqual([404, 'miss\n']);
  });

  it('createCacheSync and createCache({ module }) work in a Worker too', async () => {
    const { mf } = await worker(
      'sync',
      `import core from 'wasmcache/core.wasm'
import { createCache, createCacheSync } from 'wasmcache'
let a, b, isolate
export default {
  async fetch(request) {
    a ??= createCacheSync({ maxMemory: '1mb' })
    b ??= await createCache({ module: core, maxMemory: '1mb' })
    isolate ??= crypto.randomUUID()
    const n = a.incr('requests')
    b.set('last', { n })
    return Response.json({ n, last: b.get('last'), isolate, workers: navigator.userAgent })
  },
}
`,
    );
    const first = (await (await mf.dispatchFetch('http://worker/')).json()) as Record<string, unknown>;
    const second = (await (await mf.dispatchFetch('http://worker/')).json()) as Record<string, unknown>;
    expect(first).toMatchObject({ n: 1, last: { n: 1 }, workers: 'Cloudflare-Workers' });
    expect(second).toMatchObject({ n: 2, last: { n: 2 }, isolate: first.isolate });
  });

  it('the inlined build fails there: Workers refuse to compile Wasm from bytes', async () => {
    const { mf } = await worker(
      'inlined',
      `import { createCache } from 'wasmcache'
export default {
  async fetch() {
    try {
      await createCache({ maxMemory: '1mb' })
      return new Response('compiled')
    } catch (e) {
      return new Response(String(e))
    }
  },
}
`,
      ['browser'], // no workerd condition: the bundler takes the browser entry, with the core inlined
    );
    expect(await (await mf.dispatchFetch('http://worker/')).text()).toMatch(/Wasm code generation disallowed by embedder/);
  });

  it('runs examples/worker (npm run example:worker)', async () => {
    const child = spawn(process.execPath, [join(root, 'examples', 'worker', 'run.mjs')], {
      env: { ...process.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = '';
        child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
        child.stdout!.on('data', (d: Buffer) => {
          const m = /listening on (http:\S+)/.exec(d.toString());
          if (m) resolve(m[1]);
        });
        child.on('exit', (code) => reject(new Error(`run.mjs exited with ${code}: ${err}`)));
      });
      const put = await fetch(new URL('/greeting', url), { method: 'PUT', body: 'hello' });
      expect(await put.text()).toBe('stored\n');
      expect(await (await fetch(new URL('/greeting', url))).text()).toBe('hello\n');
    } finally {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill();
        await exited; // run.mjs stops workerd on SIGTERM
      }
    }
  });
});
