import { createCache } from 'wasmcache'

let cache // one cache per isolate, created by the first request (not at global scope)

export default {
  async fetch(request) {
    const items = await (cache ??= createCache({ maxMemory: '16mb' }))
    const key = new URL(request.url).pathname.slice(1)
    if (request.method === 'PUT') {
      items.set(key, await request.text(), { ttl: 60_000 })
      return new Response('stored\n', { status: 201 })
    }
    const value = items.get(key)
    return value === undefined ? new Response('miss\n', { status: 404 }) : new Response(value + '\n')
  },
}
