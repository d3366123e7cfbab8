// set() writes text longer than 32 chars straight into the item (src/codec.ts knownLength and
// writeKnown): ASCII with latin1Write, anything else with utf8Write. What is stored must be exactly
// the text's UTF-8, whatever path wrote it, and a lone surrogate must still be refused.
import { describe, expect, it } from 'vitest';
import { createCacheSync } from '../src/index.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('set() of text, every length and alphabet', () => {
  const texts: Record<string, string> = {
    'short ASCII': 'abc',
    'ASCII, 100 chars': 'x'.repeat(99) + '!',
    'ASCII, 40 KiB (past the scratch region)': 'q'.repeat(40 * 1024),
    'latin1, 100 chars': 'é'.repeat(100),
    'mixed, 1000 chars': 'añ€😀'.repeat(200),
    'emoji only': '😀'.repeat(50),
    'ASCII then one 2-byte char': 'a'.repeat(300) + 'ß',
  };
  for (const [name, text] of Object.entries(texts)) {
    it(name, () => {
      const c = createCacheSync({ maxMemory: '8mb' });
      c.set('k', text);
      expect(c.getView('k')).toEqual(utf8(text));
      expect(c.get('k')).toBe(text);
      c.set('k', text + text); // overwrite, a larger item
      expect(c.get('k')).toBe(text + text);
      c.set('k', { text }); // JSON goes through the same path
      expect(c.get('k')).toEqual({ text });
    });
  }

  it('refuses a lone surrogate in long text, and stores nothing', () => {
    const c = createCacheSync({ maxMemory: '4mb' });
    for (const bad of ['a'.repeat(100) + '\ud800', '\udc00' + 'b'.repeat(100), 'c'.repeat(50) + '\ud800x' + 'd'.repeat(50)]) {
      expect(() => c.set('k', bad)).toThrow(expect.objectContaining({ code: 'ERR_VALUE_TYPE' }));
      expect(c.has('k')).toBe(false);
    }
  });

  it('refuses long text over maxValueSize, by its UTF-8 length', () => {
    const c = createCacheSync({ maxMemory: '4mb', maxValueSize: 200 });
    c.set('ok', 'é'.repeat(100)); // 200 bytes
    expect(c.get('ok')).toBe('é'.repeat(100));
    expect(() => c.set('k', 'é'.repeat(101))).toThrow(expect.objectContaining({ code: 'ERR_VALUE_TOO_LARGE' }));
  });
});
