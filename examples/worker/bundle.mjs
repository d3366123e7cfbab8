// Bundles a Worker the way wrangler does, for miniflare: esbuild resolves packages with the
// `workerd` export condition first (then `worker`, `browser`), and every imported `.wasm` file
// stays a separate module of type CompiledWasm, which workerd hands to the importer as a
// precompiled WebAssembly.Module (Workers refuse to compile Wasm from bytes).
import { readFileSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'

/** Returns miniflare's `modules` for the Worker at `entry` (a path or file: URL). */
export async function bundleWorker(entry, { conditions = ['workerd', 'worker', 'browser'] } = {}) {
  const wasm = new Map()
  const result = await esbuild.build({
    entryPoints: [entry instanceof URL ? fileURLToPath(entry) : entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions,
    mainFields: ['module', 'main'],
    logLevel: 'silent',
    plugins: [
      {
        name: 'wasm-modules',
        setup(build) {
          build.onResolve({ filter: /\.wasm$/ }, ({ path, resolveDir }) => {
            const file = resolve(resolveDir, path)
            wasm.set(basename(file), file)
            return { path: `./${basename(file)}`, external: true }
          })
        },
      },
    ],
  })
  return [
    { type: 'ESModule', path: 'worker.js', contents: result.outputFiles[0].text },
    ...[...wasm].map(([name, file]) => ({ type: 'CompiledWasm', path: name, contents: readFileSync(file) })),
  ]
}
