/**
 * infra/nats/generate-topology.ts: the configs it writes from a trust chain start real
 * nats-servers that form the cluster (routes up, clustered JetStream answering) and a leaf node
 * at an edge site that joins it (both remotes connected, an agent at the leaf answered by a
 * service on the cluster).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { freePort, startNatsServer, type NatsServerProcess } from '@flotilla/local-infra';
import { createNatsTrust, credsAuthenticator } from '@flotilla/nats-auth';
import { agentPermissions, hubPermissions, subjects } from '@flotilla/protocol';
import { eventually, mintTestUser, scaled } from '@flotilla/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateNatsTopology, type TopologyFiles } from '../nats/generate-topology.js';
import { REPO_ROOT } from './support/kubectl.js';

const run = promisify(execFile);
const CLUSTER_ID = '0b3c5a9e-1f2d-4c6b-9a8e-7d6c5b4a3f21';

describe('generate-topology: a NATS cluster and an edge leaf from our tooling', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-topology-'));
  const servers: NatsServerProcess[] = [];
  let files: TopologyFiles;
  let ports: { port: number; httpPort: number; routePort: number; leafPort: number }[];
  let leafPort: number;
  let leafHttp: number;
  const trustPromise = createNatsTrust();

  beforeAll(async () => {
    const trust = await trustPromise;
    ports = [];
    for (let i = 0; i < 3; i++)
      ports.push({
        port: await freePort(),
        httpPort: await freePort(),
        routePort: await freePort(),
        leafPort: await freePort(),
      });
    leafPort = await freePort();
    leafHttp = await freePort();
    files = await generateNatsTopology({
      trust,
      outDir: join(dir, 'out'),
      listenHost: '127.0.0.1',
      authTimeoutSeconds: 20,
      nodes: ports.map((p, i) => ({ name: `nats-${i}`, host: '127.0.0.1', storeDir: join(dir, `js-${i}`), ...p })),
      leaves: [{ site: 'edge-eu', clusterIds: [CLUSTER_ID], port: leafPort, httpPort: leafHttp }],
    });
    await Promise.all(
      Object.values(files.nodes).map(async (confPath, i) => {
        servers.push(await startNatsServer({ confPath, httpPort: ports[i]!.httpPort, timeoutMs: scaled(15_000) }));
      }),
    );
    servers.push(
      await startNatsServer({ confPath: files.leaves['edge-eu']!.conf, httpPort: leafHttp, timeoutMs: scaled(15_000) }),
    );
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes every file 0600, with no root seed in any of them', async () => {
    const trust = await trustPromise;
    for (const f of [...Object.values(files.nodes), ...Object.values(files.leaves).flatMap((l) => Object.values(l))]) {
      expect(statSync(f).mode & 0o777).toBe(0o600);
      const text = readFileSync(f, 'utf8');
      for (const seed of Object.values(trust)) expect(text).not.toContain(seed);
    }
  });

  it('starts three servers that form the cluster: two routes each, clustered JetStream answering', async () => {
    for (const p of ports)
      await eventually(
        async () =>
          ((await (await fetch(`http://127.0.0.1:${p.httpPort}/routez`)).json()) as { num_routes: number })
            .num_routes === 2,
        { timeoutMs: 15_000, what: 'two routes' },
      );
    const hub = await mintTestUser(await trustPromise, hubPermissions(), { inboxPrefix: subjects.hubInboxPrefix });
    const nc = await connect({
      servers: ports.map((p) => `nats://127.0.0.1:${p.port}`),
      authenticator: credsAuthenticator(hub.jwt, hub.seed),
      inboxPrefix: subjects.hubInboxPrefix,
    });
    try {
      const info = await eventually(
        async () => (await jetstreamManager(nc, { timeout: 2000 })).getAccountInfo().catch(() => undefined),
        { timeoutMs: 30_000, what: 'clustered JetStream' },
      );
      expect(info).toBeDefined();
      const jsz = (await (await fetch(`http://127.0.0.1:${ports[0]!.httpPort}/jsz`)).json()) as {
        meta_cluster?: { cluster_size?: number };
      };
      expect(jsz.meta_cluster?.cluster_size).toBe(3);
    } finally {
      await nc.close();
    }
  });

  it('starts the leaf: both remotes up, and an agent at the leaf is answered by a service on the cluster', async () => {
    await eventually(
      async () =>
        ((await (await fetch(`http://127.0.0.1:${leafHttp}/leafz`)).json()) as { leafnodes: number }).leafnodes === 2,
      { timeoutMs: 15_000, what: 'both leaf remotes connected' },
    );
    const trust = await trustPromise;
    const hub = await mintTestUser(trust, hubPermissions(), { inboxPrefix: subjects.hubInboxPrefix });
    const hubNc = await connect({
      servers: `nats://127.0.0.1:${ports[1]!.port}`,
      authenticator: credsAuthenticator(hub.jwt, hub.seed),
    });
    hubNc.subscribe(subjects.relayAll, { queue: 'relay', callback: (_e, m) => void m.respond('{"ok":true}') });
    await hubNc.flush();
    const agent = await mintTestUser(trust, agentPermissions(CLUSTER_ID), {
      inboxPrefix: subjects.agentInboxPrefix(CLUSTER_ID),
    });
    const nc = await connect({
      servers: `nats://127.0.0.1:${leafPort}`,
      authenticator: credsAuthenticator(agent.jwt, agent.seed),
      inboxPrefix: subjects.agentInboxPrefix(CLUSTER_ID),
    });
    try {
      const reply = await eventually(
        () => nc.request(subjects.relay(CLUSTER_ID, 'heartbeat'), '{}', { timeout: 1000 }).catch(() => undefined),
        { timeoutMs: 15_000, what: 'an answer through the leaf' },
      );
      expect(reply!.string()).toBe('{"ok":true}');
    } finally {
      await nc.close();
      await hubNc.close();
    }
  });

  it('runs as a command from a trust.json', async () => {
    const trustFile = join(dir, 'trust.json');
    writeFileSync(trustFile, JSON.stringify(await trustPromise), { mode: 0o600 });
    const out = join(dir, 'cli');
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        '@swc-node/register/esm-register',
        'infra/nats/generate-topology.ts',
        '--trust',
        trustFile,
        '--out',
        out,
        ...['a', 'b', 'c'].flatMap((n) => ['--node', `nats-${n}@nats-${n}.nats.flotilla.svc`]),
        '--leaf',
        'edge-eu',
        '--leaf-clusters',
        CLUSTER_ID,
      ],
      { cwd: REPO_ROOT, timeout: scaled(60_000) },
    );
    expect(stdout).toContain('leaf-edge-eu.conf');
    const conf = readFileSync(join(out, 'nats-a.conf'), 'utf8');
    expect(conf).toContain('nats-b.nats.flotilla.svc:6222');
    expect(conf).toContain('advertise: "nats-a.nats.flotilla.svc:7422"');
    expect(readFileSync(join(out, 'leaf-edge-eu.conf'), 'utf8')).toContain('nats-leaf://nats-c.nats.flotilla.svc:7422');
  });
});
