// A cache's whole contents as comparable text (snapshot tests compare a cache before and after).
import type { Cache } from '../../src/index.js';

/** Every entry with its TTL, as comparable text. */
export function contents(cache: Cache): string {
  const rows = [...cache.entries()].map(([k, v]) => {
    const key = typeof k === 'string' ? `s:${k}` : `b:${Buffer.from(k).toString('hex')}`;
    const value = v instanceof Uint8Array ? `bytes:${Buffer.from(v).toString('hex')}` : `json:${JSON.stringify(v)}`;
    return `${key}=${value} ttl=${cache.ttl(k)}`;
  });
  return rows.sort().join('\n');
}
