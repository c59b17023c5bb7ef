/**
 * A small real HTTP registration endpoint for agent tests: validates the RegisterRequest like
 * the control plane does and mints a real NATS user JWT (libs/nats-auth) for the agent's key.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  PROTOCOL_VERSION,
  RegisterRequest,
  agentPermissions,
  describeZodError,
  subjects,
  type RegisterResponse,
} from '@flotilla/protocol';
import { mintUserJwt, type NatsTrust } from '@flotilla/nats-auth';

export interface FakeHub {
  url: string;
  /** Every valid registration request received (token included, for assertions). */
  registrations: RegisterRequest[];
  /** POST /v1/register calls, valid or not. */
  calls: number;
  close(): Promise<void>;
}

export async function startFakeHub(opts: {
  trust: NatsTrust;
  natsUrl: string;
  token: string;
  heartbeatIntervalSeconds: number;
}): Promise<FakeHub> {
  const hub: FakeHub = { url: '', registrations: [], calls: 0, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/v1/register') return reply(404, { message: 'not found' });
    hub.calls++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        let json: unknown;
        try {
          json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return reply(400, { message: 'body is not JSON' });
        }
        const parsed = RegisterRequest.safeParse(json);
        if (!parsed.success) return reply(400, { message: describeZodError(parsed.error) });
        if (parsed.data.token !== opts.token) return reply(401, { message: 'invalid registration token' });
        hub.registrations.push(parsed.data);
        const clusterId = randomUUID();
        const body: RegisterResponse = {
          protocol: PROTOCOL_VERSION,
          clusterId,
          nats: {
            url: opts.natsUrl,
            jwt: await mintUserJwt(opts.trust, {
              publicKey: parsed.data.natsPublicKey,
              name: parsed.data.name,
              permissions: agentPermissions(clusterId),
            }),
            inboxPrefix: subjects.agentInboxPrefix(clusterId),
          },
          heartbeatIntervalSeconds: opts.heartbeatIntervalSeconds,
        };
        reply(201, body);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  hub.close = () => new Promise((resolve) => server.close(() => resolve()));
  return hub;
}
