import { describe, expect, it } from 'vitest';
import { JsonDepthScanner } from './json-depth.js';

const scan = (text: string, max: number, chunk = text.length) => {
  const s = new JsonDepthScanner(max);
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += chunk) if (!s.feed(bytes.subarray(i, i + chunk))) return false;
  return true;
};

describe('JsonDepthScanner', () => {
  it('accepts nesting up to the limit and refuses one level more', () => {
    expect(scan('{"a":[{"b":1}]}', 3)).toBe(true);
    expect(scan('{"a":[{"b":[1]}]}', 3)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(scan('{"a":"[[[[{{{{\\"[[[["}', 1)).toBe(true);
  });

  it('keeps its state across chunk boundaries', () => {
    expect(scan('{"x":"\\"[[[","y":[[[]]]}', 3, 1)).toBe(false);
    expect(scan('{"x":"\\"[[[","y":[[]]}', 3, 1)).toBe(true);
  });

  it('refuses 400,000 levels after reading only past the limit', () => {
    const s = new JsonDepthScanner(64);
    expect(s.feed(Buffer.from('['.repeat(65)))).toBe(false);
  });

  it('counts depth, not the number of siblings', () => {
    expect(scan(`[${'[],'.repeat(10_000)}[]]`, 2)).toBe(true);
  });
});
