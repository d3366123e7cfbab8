import { bench, run, summary } from 'mitata';
const N = 1e4;
const keyOf = (id) => 'user:' + String(id).padStart(11, '0');
const pre = Array.from({ length: N }, (_, i) => keyOf(i));
const order = Array.from({ length: 1 << 16 }, (_, i) => (i * 7919) % N);
const flatCopy = (s) => Buffer.from(s, 'latin1').toString('latin1');
const mA = new Map(), mB = new Map(), mC = new Map();
for (let i = 0; i < N; i++) { mA.set(flatCopy(pre[i]), i); mB.set(pre[i], i); }
const pre2 = Array.from({ length: N }, (_, i) => keyOf(i));
for (let i = 0; i < N; i++) { const k = pre2[i]; k | 0; mC.set(k, i); }
let i = 0, sink = 0;
summary(() => {
  bench('flat copy stored, prebuilt lookups', () => { sink += mA.get(pre[order[i++ & 65535]]); });
  bench('caller cons stored, same objects', () => { sink += mB.get(pre[order[i++ & 65535]]); });
  bench('caller flattened (s|0) stored, same objects', () => { sink += mC.get(pre2[order[i++ & 65535]]); });
  bench('flat copy stored, built lookups', () => { sink += mA.get(keyOf(order[i++ & 65535])); });
  bench('caller cons stored, built lookups', () => { sink += mB.get(keyOf(order[i++ & 65535])); });
  bench('caller flattened stored, built lookups', () => { sink += mC.get(keyOf(order[i++ & 65535])); });
});
await run();
