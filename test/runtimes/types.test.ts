// The packed package's types, as a consumer's tsc sees them: every entry ('wasmcache',
// 'wasmcache/server', 'wasmcache/near', 'wasmcache/keyv') resolves under moduleResolution node
// (node10, which ignores `exports`: package.json's typesVersions maps the subpaths), node16,
// nodenext and bundler; the typed API (Cache<V>, fetch() and memo() typed from their functions)
// accepts and refuses what it should (`// @ts-expect-error` lines fail the check if nothing is
// refused); `using` works under lib esnext, with and without @types/node (no duplicate
// declarations); and the main entry and wasmcache/keyv need no Node types and no dom or esnext
// lib (the Node-only entries, wasmcache/server and wasmcache/near, need @types/node).
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { installPackage, requireFile, root, run } from './package.js';

let app: string;
let tsc: string;

// What any consumer writes: the main entry and wasmcache/keyv, no Node API.
const portable = `import { CacheError, createCache, createCacheSync, fromBytes, type Cache, type CacheOptions, type Storable, type StorableValue } from 'wasmcache';
import { KeyvWasmcache } from 'wasmcache/keyv';

interface User {
  name: string;
  age: number;
  tags?: string[];
}

const options: CacheOptions<User> = {
  maxMemory: '1mb',
  onRemove: (key, value, reason) => void [key, value.name.toUpperCase(), reason],
};
const users = createCacheSync<User>(options);
users.set('u:1', { name: 'Ada', age: 36, tags: ['math'] });
const ada: User | undefined = users.get('u:1');
const age: number | undefined = users.peek('u:1')?.age;
// @ts-expect-error: get() can miss
const sure: User = users.get('u:1');
// @ts-expect-error: a function is not a User (nor storable)
users.set('fn', () => 1);
// @ts-expect-error: not a User (age missing)
users.set('u:2', { name: 'Bob' });
users.mset([['u:3', { name: 'Cy', age: 3 }]]);
const many: (User | undefined)[] = users.mget(['u:1', 'u:3']);
for (const [key, user] of users) void [key satisfies string | Uint8Array, user.age satisfies number];
for (const user of users.values()) void (user.name satisfies string);

// fetch() resolves to the loader's type: V when it always returns one, V | undefined when it may not.
const loaded: Promise<User> = users.fetch('u:4', async () => ({ name: 'Dee', age: 4 }));
const maybe: Promise<User | undefined> = users.fetch('u:5', async (_key, { staleValue }) => staleValue);
// @ts-expect-error: the loader may return undefined
const notSure: Promise<User> = users.fetch('u:5', async () => (Math.random() < 0.5 ? { name: 'E', age: 5 } : undefined));
// @ts-expect-error: a loader must return a User
users.fetch('u:6', async () => 'not a user');
// memo() keeps the arguments and resolves to fn's awaited result.
const twice = users.memo(async (n: number, label: string) => ({ n: n * 2, label }));
const t: Promise<{ n: number; label: string }> = twice(2, 'x');
// @ts-expect-error: the arguments are typed
twice('2', 'x');
// @ts-expect-error: a memoized function's result must be storable
users.memo(async () => new Map<string, number>());

// @ts-expect-error: a wrong V: a Date has methods, the codec stores plain objects only
createCacheSync<Date>();
// @ts-expect-error: a wrong V: a function inside
createCacheSync<{ name: string; greet: () => string }>();
// @ts-expect-error: a wrong V: bigint
createCacheSync<{ id: bigint }>();
// @ts-expect-error: a wrong V: undefined
createCacheSync<undefined>();

// Without V: untyped, as before (any value type-checks; the codec refuses what it cannot store).
const untyped = createCacheSync();
untyped.set('k', { a: 1, b: [1, 'x'] });
const anything = untyped.get('k');
// StorableValue: a strict untyped cache.
const strict = createCacheSync<StorableValue>();
strict.set('k', { a: 1, b: [1, 'x', null, { c: true }] });
strict.set('bytes', new Uint8Array(2));
// @ts-expect-error: a function is not storable
strict.set('fn', () => 1);

type Checked = Storable<User>;
const asyncUsers: Promise<Cache<User>> = createCache<User>({ maxMemory: '1mb' });
const back: Promise<Cache<User>> = fromBytes<User>(users.toBytes());
const store = new KeyvWasmcache(createCacheSync({ maxMemory: '1mb' }));
users[Symbol.dispose]();
const done: Promise<void> = untyped[Symbol.asyncDispose]();
export type { Checked };
export { ada, age, sure, many, loaded, maybe, notSure, t, anything, asyncUsers, back, store, done, CacheError };
`;

// Node-only entries: their declarations use Node's types (node:net, node:events).
const nodeOnly = `import { createServer, type CreateServerOptions } from 'wasmcache/server';
import { NearCache, createNearCache, type NearCacheOptions } from 'wasmcache/near';
import { createCacheSync } from 'wasmcache';

const server: typeof createServer = createServer;
type S = CreateServerOptions;
type N = NearCacheOptions;
const near: typeof createNearCache = createNearCache;
const Near: typeof NearCache = NearCache;
const cache = createCacheSync<{ n: number }>();
export type { S, N };
export { server, near, Near, cache };
`;

// \`using\`, which needs lib esnext (or @types/node) for Disposable.
const using = `import { createCache, createCacheSync } from 'wasmcache';

export function sync(): number | undefined {
  using cache = createCacheSync<{ n: number }>({ maxMemory: '1mb' });
  cache.set('a', { n: 1 });
  return cache.get('a')?.n;
}

export async function later(): Promise<string | undefined> {
  await using cache = await createCache<string>({ maxMemory: '1mb' });
  cache.set('a', 'b');
  return cache.get('a');
}
`;

type Files = Record<string, string>;

/** Writes the files and a tsconfig, runs the packed-in consumer's tsc; rejects with its output. */
async function check(name: string, compilerOptions: object, files: Files): Promise<string> {
  for (const [file, text] of Object.entries(files)) writeFileSync(join(app, file), text);
  const config = `tsconfig.${name}.json`;
  const base = { noEmit: true, strict: true, skipLibCheck: false, skipDefaultLibCheck: true, target: 'es2022' };
  writeFileSync(join(app, config), JSON.stringify({ compilerOptions: { ...base, ...compilerOptions }, files: Object.keys(files) }, null, 2));
  try {
    const { stdout } = await run(process.execPath, [tsc, '-p', config, '--listFilesOnly'], { cwd: app });
    await run(process.execPath, [tsc, '-p', config], { cwd: app });
    return stdout;
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`tsc -p ${config} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

const ts = (body: string): Files => ({ 'portable.ts': portable, 'node-only.ts': body });
const modes: [string, object, Files][] = [
  ['node10', { module: 'commonjs', moduleResolution: 'node' }, ts(nodeOnly)],
  ['node16', { module: 'node16', moduleResolution: 'node16' }, { 'portable.mts': portable, 'portable.cts': portable, 'node-only.mts': nodeOnly, 'node-only.cts': nodeOnly }],
  ['nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }, { 'portable.mts': portable, 'portable.cts': portable, 'node-only.mts': nodeOnly, 'node-only.cts': nodeOnly }],
  ['bundler', { module: 'esnext', moduleResolution: 'bundler' }, ts(nodeOnly)],
];

beforeAll(async () => {
  tsc = requireFile(join(root, 'node_modules', 'typescript', 'bin', 'tsc'), 'typescript is a devDependency: run npm install');
  requireFile(join(root, 'node_modules', '@types', 'node', 'package.json'), '@types/node is a devDependency: run npm install');
  app = await installPackage('types');
  // No registry: the package is unpacked, and @types/node comes from this checkout (used only by
  // the configs that name it in `types`).
  symlinkSync(join(root, 'node_modules', '@types'), join(app, 'node_modules', '@types'), 'dir');
  const { stdout } = await run(process.execPath, [tsc, '--version']);
  expect(stdout).toMatch(/^Version \d+\.\d+/);
}, 60_000);

describe('the packed types, in a consumer', () => {
  for (const [name, options, files] of modes) {
    it(`every entry resolves and the typed API checks under moduleResolution ${name} (lib es2022, @types/node)`, async () => {
      const listed = await check(name, { ...options, lib: ['es2022'], types: ['node'] }, files);
      // Each entry's declarations were found, in the package's dist/.
      for (const entry of ['index', 'server', 'near', 'keyv']) expect(listed).toMatch(new RegExp(`node_modules/wasmcache/dist/${entry}\\.d\\.c?ts`));
    }, 60_000);

    it(`the main entry and wasmcache/keyv need neither Node types nor lib dom or esnext (${name}, lib es2022, types [])`, async () => {
      const portableOnly = Object.fromEntries(Object.entries(files).filter(([f]) => f.startsWith('portable')));
      const listed = await check(`${name}-portable`, { ...options, lib: ['es2022'], types: [] }, portableOnly);
      expect(listed).not.toMatch(/@types\/node|lib\.esnext|lib\.dom/);
    }, 60_000);
  }

  it('`using` / `await using` check under lib esnext, alone and with @types/node (no duplicate Symbol.dispose)', async () => {
    const files = { 'portable.ts': portable, 'using.ts': using };
    const alone = await check('esnext', { module: 'esnext', moduleResolution: 'bundler', lib: ['esnext', 'dom'], types: [] }, files);
    expect(alone).toMatch(/lib\.esnext\.disposable\.d\.ts/);
    expect(alone).not.toMatch(/@types\/node/);
    const withNode = await check('esnext-node', { module: 'nodenext', moduleResolution: 'nodenext', lib: ['esnext'], types: ['node'] }, {
      'portable.mts': portable,
      'using.mts': using,
      'node-only.mts': nodeOnly,
    });
    expect(withNode).toMatch(/@types\/node/);
    // ... and with @types/node under lib es2022 (its own Disposable declarations).
    await check('es2022-node-using', { module: 'commonjs', moduleResolution: 'node', lib: ['es2022'], types: ['node'] }, { 'using.ts': using });
  }, 60_000);

  it('a refusal is reported: an @ts-expect-error with nothing to refuse fails the check', async () => {
    const wrong = `import { createCacheSync } from 'wasmcache';\n// @ts-expect-error\ncreateCacheSync<{ name: string }>().set('k', { name: 'ok' });\n`;
    await expect(check('sanity', { module: 'esnext', moduleResolution: 'bundler', lib: ['es2022', 'dom'], types: [] }, { 'wrong.ts': wrong })).rejects.toThrow(
      /TS2578: Unused '@ts-expect-error' directive/,
    );
  }, 60_000);
});
