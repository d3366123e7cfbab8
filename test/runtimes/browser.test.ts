// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core): the README's page,
// served with the packed package in node_modules, imports it, fills 100k items, reads them back
// and reports through the page; examples/browser/serve.mjs serves the same page.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCacheSync } from '../../src/index.js';
import { installPackage, readmeExamples, requireFile, root } from './package.js';

const CHROMIUM = '/usr/bin/chromium';
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

let app: string;
let browser: Browser;
let server: Server;
let baseUrl: string;
let isolatedServer: Server;
let isolatedUrl: string;
let example: ChildProcess | undefined;

/**
 * A plain static file server for `dir`, as any you would use in development. `isolated`: with the
 * headers that make its pages cross-origin isolated (shared memory between a page and its workers).
 */
function serve(dir: string, isolated = false): Promise<Server> {
  const headers = isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {};
  const s = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    try {
      const body = await readFile(join(dir, path === '/' ? 'index.html' : path));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'text/html', ...headers }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

/** Opens `url`, waits for the page's report in #out, and returns it with what the page loaded. */
async function report(url: string): Promise<{ page: Page; out: { found: number; size: number; ms: number }; loaded: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  const loaded: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.route('**/favicon.ico', (route) => route.fulfill({ status: 204 }));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('response', (r) => r.ok() && loaded.push(new URL(r.url()).pathname));
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('out')?.textContent?.startsWith('{') || undefined, null, {
    timeout: 30_000,
  }).catch((e: Error) => {
    throw new Error(`${e.message}; page errors: ${errors.join('; ') || 'none'}`);
  });
  expect(errors).toEqual([]);
  return { page, out: JSON.parse((await page.textContent('#out')) ?? ''), loaded };
}

beforeAll(async () => {
  requireFile(CHROMIUM, 'install Chromium: apt-get install -y --no-install-recommends chromium (.ci/run does)');
  app = await installPackage('browser');
  server = await serve(app);
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  isolatedServer = await serve(app, true);
  isolatedUrl = `http://127.0.0.1:${(isolatedServer.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
  isolatedServer?.close();
  example?.kill();
});

/** An empty page of the app's origin (with the README page's import map), for tests that only run code in it. */
function blankPage(): string {
  const importMap = /<script type="importmap">[\s\S]*?<\/script>/.exec(readFileSync(join(root, 'examples', 'browser', 'index.html'), 'utf8'));
  writeFileSync(join(app, 'blank.html'), `<!doctype html><title>blank</title>${importMap?.[0] ?? ''}`);
  return `${baseUrl}/blank.html`;
}

describe('Chromium', { timeout: 60_000 }, () => {
  it('runs the README page: imports the package, fills 100k items, reads them back', async () => {
    const [page] = readmeExamples('Browsers');
    expect(page.lang).toBe('html');
    expect(page.code, 'the README page is examples/browser/index.html').toBe(
      readFileSync(join(root, 'examples', 'browser', 'index.html'), 'utf8'),
    );
    writeFileSync(join(app, 'index.html'), page.code);
    const { page: tab, out, loaded } = await report(`${baseUrl}/`);
    expect(out).toMatchObject({ found: 100_000, size: 100_000 });
    expect(loaded).toContain('/node_modules/wasmcache/dist/index.js'); // the packed ESM entry (the `browser` condition)
    console.log(`Chromium: 100k items set and read back in ${out.ms} ms`);

    // A precompiled module, streamed: createCache({ module }) and createCacheSync({ module }).
    // (As a string: vitest rewrites dynamic imports in this file's own code.)
    const got = await tab.evaluate(`(async () => {
      const { createCache, createCacheSync } = await import('wasmcache');
      const module = await WebAssembly.compileStreaming(fetch('/node_modules/wasmcache/dist/core.wasm'));
      const a = await createCache({ module, maxMemory: '1mb' });
      const b = createCacheSync({ module, maxMemory: '1mb' });
      a.set('k', 'from a');
      b.set('k', { from: 'b' });
      return [a.get('k'), b.get('k'), a.size + b.size];
    })()`);
    expect(got).toEqual(['from a', { from: 'b' }, 2]);
    await tab.close();
  });

  it('a snapshot made in Node loads in the browser build, and one made there loads in Node', async () => {
    const node = createCacheSync({ maxMemory: '4mb' });
    for (let i = 0; i < 1000; i++) node.set(`k${i}`, i % 2 ? `v${i} é` : { i }, { ttl: i % 3 ? 0 : 3_600_000 });
    node.set(new Uint8Array([0, 255]), new Uint8Array([1, 2, 3]));
    const fromNode = Buffer.from(node.toBytes()).toString('base64');
    const tab = await browser.newPage();
    await tab.goto(blankPage());
    const back = (await tab.evaluate(`(async () => {
      const { fromBytes } = await import('wasmcache');
      const bytes = Uint8Array.from(atob(${JSON.stringify(fromNode)}), (c) => c.charCodeAt(0));
      const cache = await fromBytes(bytes, { maxMemory: '4mb' });
      const seen = [cache.size, cache.get('k1'), cache.get('k2'), Array.from(cache.get(new Uint8Array([0, 255])))];
      cache.set('made in the browser', [1, 2]);
      let s = '';
      for (const b of cache.toBytes()) s += String.fromCharCode(b);
      return { seen, snapshot: btoa(s) };
    })()`)) as { seen: unknown[]; snapshot: string };
    expect(back.seen).toEqual([1001, 'v1 é', { i: 2 }, [1, 2, 3]]);
    const again = createCacheSync({ maxMemory: '4mb' });
    expect(again.loadBytes(Buffer.from(back.snapshot, 'base64')).items).toBe(1002);
    expect(again.get('made in the browser')).toEqual([1, 2]);
    expect(again.ttl('k0')).toBeGreaterThan(3_500_000);
    await tab.close();
  });

  it('persists a snapshot in IndexedDB and in OPFS, and restores it after a page reload', async () => {
    const tab = await browser.newPage();
    await tab.goto(blankPage());
    const saved = await tab.evaluate(`(async () => {
      const { createCache, saveToIndexedDB, saveToOPFS } = await import('wasmcache');
      const cache = await createCache({ maxMemory: '8mb' });
      for (let i = 0; i < 20000; i++) cache.set('k' + i, i % 2 ? 'v' + i : { i });
      await saveToIndexedDB(cache, 'main');
      await saveToOPFS(cache, 'main.wcs');
      return cache.size;
    })()`);
    expect(saved).toBe(20_000);
    await tab.reload();
    const restored = await tab.evaluate(`(async () => {
      const { createCache, loadFromIndexedDB, loadFromOPFS } = await import('wasmcache');
      const a = await createCache({ maxMemory: '8mb' });
      const b = await createCache({ maxMemory: '8mb' });
      const ra = await loadFromIndexedDB(a, 'main');
      const rb = await loadFromOPFS(b, 'main.wcs');
      const none = [await loadFromIndexedDB(a, 'nothing saved here'), await loadFromOPFS(b, 'missing.wcs')].map(String);
      return { ra, rb, none, a: [a.get('k1'), a.get('k2')], b: [b.get('k19999'), b.get('k0')] };
    })()`);
    expect(restored).toEqual({
      ra: { items: 20_000, expired: 0, dropped: 0 },
      rb: { items: 20_000, expired: 0, dropped: 0 },
      none: ['undefined', 'undefined'],
      a: ['v1', { i: 2 }],
      b: ['v19999', { i: 0 }],
    });
    await tab.close();
  });

  it('a shared cache in a cross-origin isolated page and two Web Workers: one cache, exact counts; refused where not isolated', async () => {
    blankPage();
    writeFileSync(
      join(app, 'shared-worker.js'),
      `import { attachCache } from '/node_modules/wasmcache/dist/index.js';
onmessage = async (e) => {
  const cache = await attachCache(e.data.handle);
  let torn = 0;
  for (let i = 0; i < 5000; i++) {
    cache.incr('n');
    cache.set('v' + (i % 16), String.fromCharCode(97 + e.data.id).repeat(100 + (i % 300)));
    const v = cache.get('v' + ((i * 7) % 16));
    if (v !== undefined && v !== v[0].repeat(v.length)) torn++;
  }
  cache.set('from worker ' + e.data.id, { id: e.data.id });
  // own: lanes of its own, so its gets ran without the lock (src/unlocked.ts)
  postMessage({ torn, won: cache.set('lock', e.data.id, { nx: true }), own: cache.shards.every((s) => s.seam.ownLane > 0) });
};`,
    );
    const tab = await browser.newPage();
    await tab.goto(`${isolatedUrl}/blank.html`);
    // The default (one shard, large enough for a lane per worker: gets without the lock) and 4 small shards (every call locked).
    for (const [memory, shards, own] of [['16mb', 1, true], ['4mb', 4, false]] as const) {
      const got = await tab.evaluate(`(async () => {
        const { createCache } = await import('wasmcache');
        const cache = await createCache({ maxMemory: '${memory}', shared: true, shards: ${shards} });
        const workers = [1, 2].map(() => new Worker('/shared-worker.js', { type: 'module' }));
        const done = workers.map((w) => new Promise((resolve, reject) => { w.onmessage = (e) => resolve(e.data); w.onerror = (e) => reject(new Error(e.message)); }));
        workers.forEach((w, i) => w.postMessage({ handle: cache.handle, id: i + 1 }));
        for (let i = 0; i < 5000; i++) cache.incr('n');
        const seen = await Promise.all(done);
        workers.forEach((w) => w.terminate());
        return { isolated: crossOriginIsolated, shards: cache.layout().shards, n: cache.get('n'), seen, w1: cache.get('from worker 1'), w2: cache.get('from worker 2'), check: cache.checkInvariants() };
      })()`);
      expect(got).toMatchObject({ isolated: true, shards, n: '15000', w1: { id: 1 }, w2: { id: 2 }, check: 0 });
      const seen = (got as { seen: { torn: number; won: boolean; own: boolean }[] }).seen;
      expect(seen.map((s) => s.torn)).toEqual([0, 0]);
      expect(seen.map((s) => s.own)).toEqual([own, own]);
      expect(seen.filter((s) => s.won)).toHaveLength(1); // the NX lock went to exactly one worker
    }
    await tab.close();

    const plain = await browser.newPage();
    await plain.goto(blankPage()); // the same page, not isolated
    const refused = await plain.evaluate(`(async () => {
      const { createCache } = await import('wasmcache');
      try { await createCache({ shared: true }); return 'created'; } catch (e) { return e.code + ': ' + e.message; }
    })()`);
    expect(refused).toMatch(/^ERR_OPTIONS: .*not cross-origin isolated/);
    await plain.close();
  });

  it('runs examples/browser (npm run example:browser)', async () => {
    example = spawn(process.execPath, [join(root, 'examples', 'browser', 'serve.mjs')], {
      env: { ...process.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      example!.stdout!.on('data', (d: Buffer) => {
        const m = /open (http:\S+)/.exec(d.toString());
        if (m) resolve(m[1]);
      });
      example!.on('exit', (code) => reject(new Error(`serve.mjs exited with ${code}`)));
    });
    const { page, out } = await report(url);
    expect(out).toMatchObject({ found: 100_000, size: 100_000 });
    await page.close();
  });
});
