import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { agentPermissions, subjects } from '@flotilla/protocol';
import { createNatsTrust, createUser, mintUserJwt } from '@flotilla/nats-auth';
import { Registrar, errorDetail } from './registrar.js';

type Handler = (body: { natsPublicKey: string }, req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function serve(handlers: Handler[]): Promise<{ url: string; calls: () => number }> {
  let calls = 0;
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => void handlers[Math.min(calls++, handlers.length - 1)]!(JSON.parse(text), req, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls: () => calls };
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const trust = await createNatsTrust();
const ok: Handler = async (body, _req, res) => {
  const clusterId = randomUUID();
  json(res, 201, {
    protocol: 1,
    clusterId,
    nats: {
      url: 'nats://127.0.0.1:4222',
      jwt: await mintUserJwt(trust, {
        publicKey: body.natsPublicKey,
        name: 'x',
        permissions: agentPermissions(clusterId),
      }),
      inboxPrefix: subjects.agentInboxPrefix(clusterId),
    },
    heartbeatIntervalSeconds: 7,
  });
};

function registrar(server: string) {
  return new Registrar({
    server,
    token: 'tok',
    name: 'edge-1',
    facts: { kubeVersion: 'v1.30.0', agentVersion: '0.1.0', provider: 'p', region: 'r', nodeCount: 1 },
    logger: pino({ level: 'silent' }),
    backoff: { initialMs: 10, maxMs: 20 },
  });
}
const signal = () => new AbortController().signal;

describe('Registrar', () => {
  it('retries while the hub answers 503, then keeps the credential it is given', async () => {
    const hub = await serve([
      (_b, _q, res) => json(res, 503, { message: 'starting' }),
      (_b, _q, res) => json(res, 502, {}),
      ok,
    ]);
    const credential = await registrar(hub.url).register(signal());
    expect(hub.calls()).toBe(3);
    expect(credential.heartbeatIntervalSeconds).toBe(7);
    expect(credential.nats.seed).toMatch(/^SU/);
  });

  it('does not retry a 409 and names the cluster', async () => {
    const hub = await serve([(_b, _q, res) => json(res, 409, { message: 'name taken' })]);
    await expect(registrar(hub.url).register(signal())).rejects.toMatchObject({
      code: 'NAME_TAKEN',
      message: expect.stringContaining('"edge-1" already exists'),
    });
    expect(hub.calls()).toBe(1);
  });

  it('reports a 400 with the field the hub named', async () => {
    const hub = await serve([
      (_b, _q, res) =>
        json(res, 400, { error: { code: 'INVALID_BODY', message: 'must be >= 0', field: 'facts.nodeCount' } }),
    ]);
    await expect(registrar(hub.url).register(signal())).rejects.toMatchObject({
      code: 'REGISTRATION_REJECTED',
      message: expect.stringContaining('facts.nodeCount: must be >= 0'),
    });
  });

  it('waits as long as Retry-After asks on a 429', async () => {
    const hub = await serve([
      (_b, _q, res) => {
        res.setHeader('retry-after', '1');
        json(res, 429, { error: { code: 'RATE_LIMITED', message: 'slow down' } });
      },
      ok,
    ]);
    const started = Date.now();
    await registrar(hub.url).register(signal());
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(hub.calls()).toBe(2);
  });

  it('refuses a response that does not match the protocol', async () => {
    const hub = await serve([(_b, _q, res) => json(res, 201, { protocol: 1, clusterId: 'nope' })]);
    await expect(registrar(hub.url).register(signal())).rejects.toMatchObject({
      code: 'INVALID_REGISTRATION_RESPONSE',
      message: expect.stringMatching(/clusterId: .*nats: /),
    });
  });

  it('refuses a JWT minted for another key', async () => {
    const other = createUser().publicKey;
    const hub = await serve([(_b, req, res) => ok({ natsPublicKey: other }, req, res)]);
    await expect(registrar(hub.url).register(signal())).rejects.toMatchObject({
      code: 'INVALID_REGISTRATION_RESPONSE',
      message: expect.stringContaining('another public key'),
    });
  });

  it('stops retrying when aborted', async () => {
    const hub = await serve([(_b, _q, res) => json(res, 503, {})]);
    const ac = new AbortController();
    const pending = registrar(hub.url).register(ac.signal);
    await expect.poll(() => hub.calls()).toBeGreaterThanOrEqual(2);
    ac.abort(new Error('SIGTERM'));
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

describe('errorDetail', () => {
  it('reads the error shapes hubs send, on one line', () => {
    expect(errorDetail(JSON.stringify({ error: { code: 'X', message: 'bad', field: 'name' } }))).toBe('name: bad');
    expect(errorDetail(JSON.stringify({ message: ['a', 'b'] }))).toBe('a; b');
    expect(errorDetail(JSON.stringify({ error: 'nope' }))).toBe('nope');
    expect(errorDetail('plain\n  text')).toBe('plain text');
    expect(errorDetail('x'.repeat(1000))).toHaveLength(300);
  });
});
