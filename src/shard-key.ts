// Which shard of a shared cache holds a key (src/sharded.ts). Every thread must answer the same
// for the same key, and a string key must land where the Uint8Array of its UTF-8 bytes lands (they
// name the same item), so the hash is over the UTF-8 bytes: FNV-1a, 32 bits. Short ASCII keys
// are hashed from their char codes without encoding them.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

let encoder: TextEncoder | undefined;

function hashBytes(bytes: Uint8Array): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], FNV_PRIME);
  return h >>> 0;
}

/** FNV-1a of the key's UTF-8 bytes. Keys that are neither strings nor Uint8Arrays hash to 0 (the shard refuses them). */
export function keyHash(key: unknown): number {
  if (typeof key === 'string') {
    let h = FNV_OFFSET;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      if (c >= 0x80) return hashBytes((encoder ??= new TextEncoder()).encode(key));
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    return h >>> 0;
  }
  return key instanceof Uint8Array ? hashBytes(key) : 0;
}

/** The shard of `key` among `count`. */
export function shardOf(key: unknown, count: number): number {
  return keyHash(key) % count;
}
