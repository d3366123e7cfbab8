// A worker of bench/threads.ts (see there). Imports the built package, as a user's worker would.
import { parentPort, workerData } from 'node:worker_threads';
import v8 from 'node:v8';
import { LRUCache } from 'lru-cache';
import { attachCache } from '../dist/index.js';

const { role } = workerData;
const keyOf = (i) => 'key:' + i;

if (role === 'mix') {
  // A skewed get/set mix over the shared cache, started by the go flag.
  const { handle, order, ops, go, setEvery } = workerData;
  const cache = await attachCache(handle);
  const idx = new Uint32Array(order);
  const flag = new Int32Array(go);
  const value = 'v'.repeat(100);
  parentPort.postMessage({ ready: true });
  Atomics.wait(flag, 0, 0);
  const t = performance.now();
  let sink = 0;
  const mask = idx.length - 1;
  for (let i = 0; i < ops; i++) {
    const k = keyOf(idx[(i * 7 + workerData.offset) & mask]);
    if (i % setEvery === 0) cache.set(workerData.insert ? `new:${workerData.offset}:${i}` : k, value);
    else sink += (cache.get(k)?.length ?? 0);
  }
  const ms = performance.now() - t;
  cache.dispose(); // its lane comes free for the next round's workers (src/lanes.ts)
  parentPort.postMessage({ ms, sink });
} else if (role === 'owner') {
  // The alternative users have today: one thread owns an lru-cache, the others ask by message.
  const { n } = workerData;
  const lru = new LRUCache({ max: n });
  const value = 'v'.repeat(100);
  for (let i = 0; i < n; i++) lru.set(keyOf(i), value);
  parentPort.on('message', (m) => {
    if (m === 'stop') return parentPort.close();
    parentPort.postMessage(lru.get(m));
  });
  parentPort.postMessage({ ready: true });
} else if (role === 'copy') {
  // A cache per worker: what its entries cost on this worker's heap.
  const { n } = workerData;
  globalThis.gc?.();
  const before = v8.getHeapStatistics().used_heap_size;
  const lru = new LRUCache({ max: n });
  for (let i = 0; i < n; i++) lru.set(keyOf(i), 'v'.repeat(99) + (i % 10));
  globalThis.gc?.();
  const after = v8.getHeapStatistics().used_heap_size;
  parentPort.postMessage({ bytes: after - before, size: lru.size });
}
