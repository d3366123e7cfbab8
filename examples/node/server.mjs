// A Node HTTP service that caches a slow lookup:   npm run example:node
//   curl -i localhost:3000/users/42   # x-cache: miss, ~300 ms: the slow lookup ran
//   curl -i localhost:3000/users/42   # x-cache: hit, well under 1 ms, for the next 30 s
//   curl localhost:3000/stats
// Concurrent requests for the same missing user share one lookup (cache.fetch coalesces them).
import { createServer } from 'node:http'
import { createCache } from 'wasmcache'

const cache = await createCache({ maxMemory: '64mb' })

/** The slow lookup: a database query, an upstream API... */
async function lookUpUser(id) {
  await new Promise((resolve) => setTimeout(resolve, 300))
  return { id, name: `user ${id}`, loadedAt: new Date().toISOString() }
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body) + '\n')
}

const server = createServer(async (req, res) => {
  if (req.url === '/stats') return send(res, 200, cache.stats())
  const id = /^\/users\/(\d+)$/.exec(req.url ?? '')?.[1]
  if (id === undefined) return send(res, 404, { error: 'try /users/42 or /stats' })
  const started = performance.now()
  let loaded = false
  try {
    const loader = () => {
      loaded = true
      return lookUpUser(Number(id))
    }
    const user = await cache.fetch(`user:${id}`, loader, { ttl: 30_000 })
    const ms = (performance.now() - started).toFixed(2)
    send(res, 200, user, { 'x-cache': loaded ? 'miss' : 'hit', 'server-timing': `lookup;dur=${ms}` })
  } catch (e) {
    send(res, 502, { error: String(e) })
  }
})

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://localhost:${server.address().port}`)
})
