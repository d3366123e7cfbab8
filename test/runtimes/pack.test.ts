// What `npm pack` publishes: dist/ with every entry and the Wasm core, nothing else; the exports
// map that picks an entry per runtime; the core's size, as the README states it.
import { readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { installPackage, root, run, tarball } from './package.js';

type Conditions = Record<string, { types: string; default: string }>;
interface Manifest {
  exports: { '.': Conditions; './core.wasm': string; './package.json': string; './keyv': Record<'import' | 'require', { types: string; default: string }> };
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  sideEffects: unknown;
  files: unknown;
  dependencies?: unknown;
  main: string;
  module: string;
  types: string;
}

let app: string;
let pkg: string;
let listing: string[];
let manifest: Manifest;
const file = (path: string) => readFileSync(join(pkg, path));

beforeAll(async () => {
  app = await installPackage('pack');
  pkg = join(app, 'node_modules', 'wasmcache');
  listing = (await run('tar', ['-tzf', tarball().path])).stdout.trim().split('\n').sort();
  manifest = JSON.parse(file('package.json').toString()) as Manifest;
}, 30_000);

describe('npm pack', () => {
  it('holds dist with both entries, the types and the .wasm, and no sources or tests', () => {
    for (const f of ['index.js', 'index.cjs', 'index.workerd.js', 'core.wasm', 'index.d.ts', 'index.d.cts']) {
      expect(listing).toContain(`package/dist/${f}`);
    }
    const outside = listing.filter((p) => !p.startsWith('package/dist/'));
    expect(outside.sort()).toEqual(['package/README.md', 'package/package.json']);
    for (const p of listing) {
      expect(p).toMatch(/^package\/(dist\/[\w.-]+\.(js|cjs|d\.ts|d\.cts|map|wasm)|README\.md|package\.json)$/);
      expect(p).not.toMatch(/\.test\.|\/(src|test|assembly|bench|examples|build)\/|\.ts$(?<!\.d\.ts)|\.mts$/);
    }
    // npm's own report agrees with the tarball.
    expect(tarball().files.map((f) => `package/${f.path}`).sort()).toEqual(listing);
  });

  it('declares sideEffects: false, files: ["dist"] and no runtime dependencies', () => {
    expect(manifest.sideEffects).toBe(false);
    expect(manifest.files).toEqual(['dist']);
    expect(manifest.dependencies).toBeUndefined();
  });

  it('maps each condition to a packed file, with types for each, workerd before browser', () => {
    const main = manifest.exports['.'];
    expect(Object.keys(main)).toEqual(['workerd', 'browser', 'import', 'require', 'default']);
    expect(main.workerd.default).toBe('./dist/index.workerd.js');
    expect(main.browser.default).toBe('./dist/index.js');
    expect(main.import.default).toBe('./dist/index.js');
    expect(main.require.default).toBe('./dist/index.cjs');
    expect(main.require.types).toBe('./dist/index.d.cts');
    expect(main.default.default).toBe('./dist/index.js');
    const paths = [
      ...Object.values(main).flatMap((c) => [c.types, c.default]),
      manifest.exports['./core.wasm'],
      manifest.main,
      manifest.module,
      manifest.types,
    ];
    for (const p of paths) expect(listing).toContain(`package/${p.slice(2)}`);
  });

  it('inlines the core in the ESM and CJS entries, and imports it as a module in the workerd entry', () => {
    const wasm = file('dist/core.wasm');
    // Every inlined module of an entry: the core, and (CJS, which has no chunks) the shared core.
    const inlined = (entry: string) => [...file(entry).toString().matchAll(/["'](AGFzbQ[A-Za-z0-9+/=]+)["']/g)].map((m) => Buffer.from(m[1], 'base64'));
    expect(inlined('dist/index.js')).toEqual([wasm]); // the shared core is a chunk of its own, loaded on demand
    expect(inlined('dist/index.cjs').some((b) => b.equals(wasm))).toBe(true);
    const shared = readdirSync(join(pkg, 'dist')).filter((f) => f.startsWith('core-shared-wasm') && f.endsWith('.js'));
    expect(shared).toHaveLength(1);
    const sharedCore = inlined(`dist/${shared[0]}`)[0];
    expect(WebAssembly.Module.imports(new WebAssembly.Module(sharedCore)).find((i) => i.kind === 'memory')).toBeDefined();
    const workerd = file('dist/index.workerd.js').toString();
    expect(workerd).toMatch(/^import \w+ from "\.\/core\.wasm";$/m);
    expect(workerd).not.toContain('AGFzbQ'); // no inlined copy: Workers could not compile it anyway
  });

  it('keeps the core within 32 KiB, at the sizes the README states', () => {
    const wasm = file('dist/core.wasm');
    const gzip = gzipSync(wasm, { level: 9 }).length;
    expect(wasm.length).toBeLessThanOrEqual(32 * 1024);
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const stated = /The Wasm core\s+\(`dist\/core\.wasm`\)\s+is\s+\*\*([\d.]+) KiB\*\*,\s+\*\*([\d.]+) KiB gzipped\*\*/.exec(readme);
    expect(stated, 'README "Runtimes" states the core size').not.toBeNull();
    // Within 10%: the core changes with the engine; update the README when this fails.
    expect(Math.abs(Number(stated![1]) * 1024 - wasm.length) / wasm.length).toBeLessThan(0.1);
    expect(Math.abs(Number(stated![2]) * 1024 - gzip) / gzip).toBeLessThan(0.1);
  });

  it('wasmcache/keyv: packed, imported and required, over a Cache from the main entry, its types checked', async () => {
    const keyvExport = manifest.exports['./keyv'];
    expect(keyvExport).toEqual({
      import: { types: './dist/keyv.d.ts', default: './dist/keyv.js' },
      require: { types: './dist/keyv.d.cts', default: './dist/keyv.cjs' },
    });
    for (const f of ['keyv.js', 'keyv.cjs', 'keyv.d.ts', 'keyv.d.cts']) expect(listing).toContain(`package/dist/${f}`);
    expect(manifest.peerDependencies?.keyv).toBeDefined();
    expect(manifest.peerDependenciesMeta?.keyv).toEqual({ optional: true });

    // keyv, a peer, comes from this checkout (a symlink, so its own dependencies resolve there).
    symlinkSync(join(root, 'node_modules', 'keyv'), join(app, 'node_modules', 'keyv'), 'dir');
    const script = (imports: string) => `${imports}
const cache = createCacheSync({ maxMemory: '1mb' });
const keyv = new Keyv({ store: new KeyvWasmcache(cache), namespace: 'ns' });
(async () => {
  await keyv.set('a', { n: 1 }, 10000);
  const own = new KeyvWasmcache({ maxMemory: '256kb' });
  await own.set('b', 'c');
  console.log(JSON.stringify([await keyv.get('a'), cache instanceof Cache, cache.ttl('ns:a') > 9000, await own.get('b')]));
})();
`;
    writeFileSync(
      join(app, 'keyv.mjs'),
      script("import Keyv from 'keyv';\nimport { Cache, createCacheSync } from 'wasmcache';\nimport { KeyvWasmcache } from 'wasmcache/keyv';"),
    );
    writeFileSync(
      join(app, 'keyv.cjs'),
      script("const { Keyv } = require('keyv');\nconst { Cache, createCacheSync } = require('wasmcache');\nconst { KeyvWasmcache } = require('wasmcache/keyv');"),
    );
    for (const f of ['keyv.mjs', 'keyv.cjs']) {
      const { stdout } = await run(process.execPath, [f], { cwd: app });
      expect(JSON.parse(stdout), f).toEqual([{ n: 1 }, true, true, 'c']);
    }

    // Types: KeyvWasmcache takes a Cache from 'wasmcache' (its own bundled copy declares another
    // Cache class), under node16 (import and require) and bundler.
    const consumer = (imports: string) => `${imports}
const store = new KeyvWasmcache(createCacheSync({ maxMemory: '1mb' }));
const own = new KeyvWasmcache({ maxMemory: '1mb', policy: 'lru' });
// @ts-expect-error: not a policy
new KeyvWasmcache({ policy: 'fifo' });
const c: Cache = createCacheSync();
new KeyvWasmcache(c).cache.set('k', 'v');
export { own, c };
`;
    writeFileSync(join(app, 'keyv-esm.mts'), consumer("import { createCacheSync, type Cache } from 'wasmcache';\nimport { KeyvWasmcache } from 'wasmcache/keyv';"));
    writeFileSync(
      join(app, 'keyv-cjs.cts'),
      consumer("import wasmcache = require('wasmcache');\nimport keyv = require('wasmcache/keyv');\nconst { createCacheSync } = wasmcache;\nconst { KeyvWasmcache } = keyv;\ntype Cache = wasmcache.Cache;"),
    );
    writeFileSync(join(app, 'keyv-bundler.ts'), consumer("import { createCacheSync, type Cache } from 'wasmcache';\nimport { KeyvWasmcache } from 'wasmcache/keyv';"));
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const check = (name: string, options: object, files: string[]) => {
      const compilerOptions = { noEmit: true, strict: true, skipLibCheck: false, skipDefaultLibCheck: true, lib: ['es2022', 'dom'], types: [], ...options };
      writeFileSync(join(app, name), JSON.stringify({ compilerOptions, files }));
      return run(process.execPath, [tsc, '-p', name], { cwd: app }).catch((e: { stdout: string }) => {
        throw new Error(`tsc -p ${name}:\n${e.stdout}`);
      });
    };
    await check('tsconfig.keyv-node.json', { module: 'node16', moduleResolution: 'node16' }, ['keyv-esm.mts', 'keyv-cjs.cts']);
    await check('tsconfig.keyv-bundler.json', { module: 'esnext', moduleResolution: 'bundler' }, ['keyv-bundler.ts']);
  }, 60_000);
});
