import express from 'express';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAddressResolver, parseTrustedProxies } from './client-address.js';

const req = (peer: string, xff?: string | string[]) => ({
  socket: { remoteAddress: peer },
  headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
});

describe('clientAddressResolver', () => {
  it('without TRUSTED_PROXIES the socket address counts and X-Forwarded-For is ignored', () => {
    const of = clientAddressResolver([]);
    expect(of(req('10.0.0.5', '203.0.113.9'))).toBe('10.0.0.5');
    expect(of(req('::ffff:10.0.0.5'))).toBe('10.0.0.5');
    expect(of({ headers: {} })).toBe('unknown');
  });

  it('takes the rightmost untrusted hop: a spoofed left part of the header never wins', () => {
    const of = clientAddressResolver(['10.0.0.0/8', 'fd00::/8']);
    // The ingress (10.0.0.5) appended the client it saw (198.51.100.7); the client wrote the rest.
    expect(of(req('10.0.0.5', '1.2.3.4, 198.51.100.7'))).toBe('198.51.100.7');
    // Two trusted proxies in a row.
    expect(of(req('10.0.0.5', ['1.2.3.4, 198.51.100.7', '10.1.1.1']))).toBe('198.51.100.7');
    expect(of(req('fd00::1', '2001:DB8::1'))).toBe('2001:db8::1');
    // Every hop trusted: the leftmost one.
    expect(of(req('10.0.0.5', '10.9.9.9, 10.1.1.1'))).toBe('10.9.9.9');
    // A trusted peer that forwarded nothing is itself the client.
    expect(of(req('10.0.0.5'))).toBe('10.0.0.5');
    // An untrusted peer: its header is ignored.
    expect(of(req('198.51.100.66', '10.1.1.1'))).toBe('198.51.100.66');
  });

  it('refuses entries that are not an address or a CIDR', () => {
    expect(
      parseTrustedProxies(['10.0.0.0/8', '::1', '10.0.0.0/33', 'proxy.local', '1.2.3.4/8/1', 'fd00::/129']).invalid,
    ).toEqual(['10.0.0.0/33', 'proxy.local', '1.2.3.4/8/1', 'fd00::/129']);
    expect(() => clientAddressResolver(['nope'])).toThrow(/TRUSTED_PROXIES: not an address or CIDR: nope/);
  });
});

/**
 * The reference: Express's `trust proxy` with the same list (proxy-addr) computes `req.ip` over
 * a real HTTP connection; ours must agree for every header shape.
 */
describe('clientAddressResolver agrees with Express trust proxy', () => {
  const TRUST = ['127.0.0.1', '10.0.0.0/8', '192.168.0.0/16'];
  const ours = clientAddressResolver(TRUST);
  let server: Server;
  let port: number;
  beforeAll(async () => {
    const app = express();
    app.set('trust proxy', TRUST);
    app.get('/', (r, res) => {
      res.json({ express: r.ip, ours: ours(r) });
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const ask = (xff: string | undefined, localAddress = '127.0.0.1') =>
    new Promise<{ express: string; ours: string }>((resolve, reject) => {
      const r = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/',
          localAddress,
          headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(JSON.parse(body) as { express: string; ours: string }));
        },
      );
      r.on('error', reject);
      r.end();
    });

  it.each([
    undefined,
    '198.51.100.7',
    '1.2.3.4, 198.51.100.7',
    '198.51.100.7, 10.0.0.9',
    '10.2.2.2, 192.168.1.1, 10.0.0.9',
    '1.2.3.4,198.51.100.7 ,  10.0.0.9',
    '2001:db8::1, 10.0.0.9',
  ])('X-Forwarded-For %s from a trusted peer', async (xff) => {
    const { express: reference, ours: got } = await ask(xff);
    expect(got).toBe(reference);
  });

  it('a spoofed header from an untrusted peer (127.0.0.2): both take the socket address', async () => {
    expect(await ask('10.0.0.9, 198.51.100.7', '127.0.0.2')).toEqual({ express: '127.0.0.2', ours: '127.0.0.2' });
  });
});
