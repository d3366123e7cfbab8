// Serves the browser example at http://localhost:8080 (or $PORT):   npm run example:browser
// examples/browser/ is the site root, and /node_modules/wasmcache/ serves this package's files
// (dist/ and package.json), as `npm install wasmcache` would lay them out in your project.
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const site = fileURLToPath(new URL('.', import.meta.url))
const pkg = fileURLToPath(new URL('../../', import.meta.url))
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' }

const server = createServer(async (req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
  const file = path.startsWith('/node_modules/wasmcache/')
    ? join(pkg, path.slice('/node_modules/wasmcache/'.length))
    : join(site, path === '/' ? 'index.html' : path)
  const allowed = file.startsWith(join(pkg, 'dist/')) || file === join(pkg, 'package.json') || file.startsWith(site)
  try {
    if (!allowed) throw new Error('not served')
    const body = await readFile(file)
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body)
  } catch {
    res.writeHead(404).end()
  }
})

server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () => {
  console.log(`open http://localhost:${server.address().port}/`)
})
