import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box.util.js';

const key = (n: number) => Buffer.alloc(32, n).toString('base64');

describe('SecretBox', () => {
  it('round-trips, with a fresh IV each time and no plaintext in the sealed bytes', () => {
    const box = new SecretBox(key(1));
    const a = box.seal('https://hooks.example/T000/secret-path');
    const b = box.seal('https://hooks.example/T000/secret-path');
    expect(a.equals(b)).toBe(false);
    expect(a.toString('latin1')).not.toContain('secret-path');
    expect(box.open(a)).toBe('https://hooks.example/T000/secret-path');
  });

  it('refuses a wrong key and tampered bytes', () => {
    const sealed = new SecretBox(key(1)).seal('x');
    expect(() => new SecretBox(key(2)).open(sealed)).toThrow();
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => new SecretBox(key(1)).open(tampered)).toThrow();
  });
});
