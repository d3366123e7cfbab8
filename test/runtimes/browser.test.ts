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
import { installPackage, readmeExamples, requireFile, root } from './package.js';

const CHROMIUM = '/usr/bin/chromium';
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

let app: string;
let browser: Browser;
let server: Server;
let baseUrl: string;
let example: ChildProcess | undefined;

/** A plain static file server for `dir`, as any you would use in development. */
function serve(dir: string): Promise<Server> {
  const s = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    try {
      const body = await readFile(join(dir, path === '/' ? 'index.html' : path));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'text/html' }).end(body);
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
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
  example?.kill();
});

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
