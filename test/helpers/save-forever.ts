// Child process for the snapshot tests: fills a cache, then saves it to argv[2] over and over,
// printing "saved" after each save, until it is killed.
import { createCacheSync } from '../../src/index.js';

const path = process.argv[2];
const cache = createCacheSync({ maxMemory: '64mb' });
for (let i = 0; i < 200_000; i++) cache.set(`key:${i}`, `value ${i} `.repeat(8));
for (let round = 0; ; round++) {
  cache.set('round', round);
  await cache.save(path);
  process.stdout.write('saved\n');
}
