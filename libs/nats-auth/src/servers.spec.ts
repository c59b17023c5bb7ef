import { describe, expect, it } from 'vitest';
import { natsServers } from './servers.js';

describe('natsServers', () => {
  it('splits a comma-separated list of server URLs', () => {
    expect(natsServers('nats://127.0.0.1:4222')).toEqual(['nats://127.0.0.1:4222']);
    expect(natsServers(' nats://n1:4222, tls://n2.example.com:4222 ,n3:4222')).toEqual([
      'nats://n1:4222',
      'tls://n2.example.com:4222',
      'n3:4222',
    ]);
  });

  it('refuses what is not a server URL, naming it', () => {
    expect(() => natsServers(' , ')).toThrow(/no NATS server URL/);
    expect(() => natsServers('nats://a:1,http://b:2')).toThrow(/not a NATS server URL: "http:\/\/b:2"/);
    expect(() => natsServers('nats://a:1/path')).toThrow(/not a NATS server URL/);
  });
});
