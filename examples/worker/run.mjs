// Runs examples/worker/worker.js in workerd, the open-source Workers runtime (through miniflare),
// at http://localhost:8787 (or $PORT):   npm run example:worker
//   curl -X PUT localhost:8787/greeting -d hello   # stored
//   curl localhost:8787/greeting                   # hello
// In a Workers project, `wrangler dev` / `wrangler deploy` do the same bundling themselves.
import { Miniflare } from 'miniflare'
import { bundleWorker } from './bundle.mjs'

const mf = new Miniflare({
  modules: await bundleWorker(new URL('./worker.js', import.meta.url)),
  compatibilityDate: '2025-06-01',
  host: '127.0.0.1',
  port: Number(process.env.PORT ?? 8787),
})
console.log(`Worker listening on ${await mf.ready}`)
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => mf.dispose().then(() => process.exit(0)))
