/**
 * startLocalNatsCluster (what `npm start` runs with FLOTILLA_NATS_NODES=3): three real nats-servers
 * joined by routes, clustered JetStream taking a stream on 3 replicas, a client refused without
 * credentials on every node, and every process gone after stop().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createNatsTrust, createUser, credsAuthenticator, mintUserJwt } from '@flotilla/nats-auth';
import { hubPermissions, subjects } from '@flotilla/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startLocalNatsCluster } from '../src/index.js';

describe('startLocalNatsCluster', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-local-cluster-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts three routed servers with clustered JetStream (a stream on 3 replicas) and stops them all', async () => {
    const trust = await createNatsTrust();
    const user = createUser();
    const hub = {
      jwt: await mintUserJwt(trust, { publicKey: user.publicKey, name: 'hub', permissions: hubPermissions() }),
      seed: user.seed,
      inboxPrefix: subjects.hubInboxPrefix,
    };
    const nodes = [];
    for (let i = 0; i < 3; i++)
      nodes.push({ port: await freePort(), httpPort: await freePort(), routePort: await freePort() });
    const cluster = await startLocalNatsCluster({
      dir,
      trust,
      nodes,
      authTimeoutSeconds: 20,
      readyCheck: hub,
      timeoutMs: 60_000,
    });
    try {
      expect(cluster.urls).toHaveLength(3);
      for (const n of nodes) {
        const routez = (await (await fetch(`http://127.0.0.1:${n.httpPort}/routez`)).json()) as { num_routes: number };
        expect(routez.num_routes).toBe(2);
        await expect(
          connect({ servers: `nats://127.0.0.1:${n.port}`, reconnect: false, timeout: 3000 }),
        ).rejects.toThrow();
      }
      const nc = await connect({
        servers: cluster.urls,
        authenticator: credsAuthenticator(hub.jwt, hub.seed),
        inboxPrefix: hub.inboxPrefix,
      });
      try {
        const jsm = await jetstreamManager(nc, { timeout: 10_000 });
        const info = await jsm.streams.add({
          name: 'LOCAL_R3',
          subjects: ['flotilla.v1.agent.local.>'],
          num_replicas: 3,
        });
        expect(info.config.num_replicas).toBe(3);
      } finally {
        await nc.close();
      }
    } finally {
      await cluster.stop();
    }
    for (const n of nodes) await expect(fetch(`http://127.0.0.1:${n.httpPort}/healthz`)).rejects.toThrow();
  });
});
