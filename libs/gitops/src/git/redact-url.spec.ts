import { describe, expect, it } from 'vitest';
import { redactUrl } from './redact-url.js';

describe('redactUrl', () => {
  it('removes credentials from a URL, and from text that is not one', () => {
    expect(redactUrl('https://bot:s3cret@git.example.com/fleet.git')).toBe('https://git.example.com/fleet.git');
    expect(redactUrl('//bot:s3cret@host/fleet')).toBe('//host/fleet');
  });
});
