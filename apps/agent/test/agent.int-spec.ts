import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Writable } from 'node:stream';
import { connect } from '@nats-io/transport-node';
import { credsAuthenticator, decodeUserJwt, pushRevocations, systemUserCreds } from '@flotilla/nats-auth';
import { captureLogs, scaled, startNats, type TestNats } from '@flotilla/testing';
import { startAgent, type AgentConfig, type RunningAgent } from '../src/index.js';
import { startFakeHub, type FakeHub } from './support/fake-hub.js';
import { createAgentStream, heartbeatCount, lastHeartbeat } from './support/stream.js';

const TOKEN = 'flt_good_registration_token';
const silent = pino({ level: 'silent' });

describe('agent registration and heartbeat', () => {
  let nats: TestNats;
  let hubNc: NatsConnection;
  let jsm: JetStreamManager;
  let hub: FakeHub;
  const dirs: string[] = [];
  const running: RunningAgent[] = [];

  beforeAll(async () => {
    nats = await startNats();
    hubNc = await nats.connect(nats.hub, { maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    jsm = await createAgentStream(hubNc);
    hub = await startFakeHub({ trust: nats.trust, natsUrl: nats.url, token: TOKEN, heartbeatIntervalSeconds: 1 });
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((a) => a.stop()));
  });
  afterAll(async () => {
    await hub?.close();
    await hubNc?.close();
    await nats?.[Symbol.asyncDispose]();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  async function config(name: string, over: Partial<AgentConfig> = {}): Promise<AgentConfig> {
    const dir = await mkdtemp(join(tmpdir(), 'flotilla-agent-'));
    dirs.push(dir);
    return {
      server: hub.url,
      token: TOKEN,
      name,
      stateDir: join(dir, 'state'),
      facts: { provider: 'aws', region: 'eu-west-1', kubeVersion: 'v1.30.2', nodeCount: 4 },
      logLevel: 'silent',
      backoff: { initialMs: 50, maxMs: 300 },
      ...over,
    };
  }
  const start = async (c: AgentConfig) => {
    const agent = await startAgent(c, { logger: silent });
    running.push(agent);
    return agent;
  };

  it('registers once with its own public key and stores the credential with mode 0600', async () => {
    const c = await config('edge-register');
    const agent = await start(c);
    expect(agent.registered).toBe(true);
    const file = join(c.stateDir, 'credential.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(c.stateDir)).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(await readFile(file, 'utf8'));
    expect(stored.clusterId).toBe(agent.clusterId);
    expect(stored.nats.url).toBe(nats.url);
    const sent = hub.registrations.find((r) => r.name === 'edge-register')!;
    expect(sent.natsPublicKey).toBe(decodeUserJwt(stored.nats.jwt).publicKey);
    expect(JSON.stringify(sent)).not.toContain(stored.nats.seed);
    expect(sent.facts).toMatchObject({ provider: 'aws', region: 'eu-west-1', kubeVersion: 'v1.30.2', nodeCount: 4 });
  });

  it('publishes schema-valid heartbeats into the JetStream stream', async () => {
    const agent = await start(await config('edge-heartbeat'));
    await expect.poll(() => heartbeatCount(jsm, agent.clusterId), { timeout: scaled(5000) }).toBeGreaterThanOrEqual(2);
    const beat = await lastHeartbeat(jsm, agent.clusterId);
    expect(beat.clusterId).toBe(agent.clusterId);
    expect(beat.seq).toBeGreaterThanOrEqual(1);
    expect(beat.facts).toMatchObject({ provider: 'aws', nodeCount: 4, kubeVersion: 'v1.30.2' });
  });

  it('on restart reuses the stored credential and never calls /v1/register again', async () => {
    const c = await config('edge-restart');
    const first = await start(c);
    await first.stop();
    const callsBefore = hub.calls;
    const before = await heartbeatCount(jsm, first.clusterId);
    // The token is now useless: a restart must not need it.
    const second = await start({ ...c, token: 'revoked-token' });
    expect(second.registered).toBe(false);
    expect(second.clusterId).toBe(first.clusterId);
    await expect.poll(() => heartbeatCount(jsm, first.clusterId), { timeout: scaled(5000) }).toBeGreaterThan(before);
    expect(hub.calls).toBe(callsBefore);
  });

  it('resumes heartbeats within seconds after the nats-server is stopped and started again', async () => {
    // Production backoff (250 ms doubling to 15 s): the next attempt after a 1.5 s outage is due
    // at most ~2 s after the server is back, then the next heartbeat within one interval.
    const log = captureLogs();
    const agent = await startAgent(await config('edge-nats-restart', { backoff: { initialMs: 250, maxMs: 15_000 } }), {
      logger: log.logger,
    });
    running.push(agent);
    await expect.poll(() => heartbeatCount(jsm, agent.clusterId), { timeout: scaled(5000) }).toBeGreaterThanOrEqual(1);
    await nats.stop();
    // The outage lasts until the agent has noticed it and failed to reconnect at least once.
    await log.waitForLine(/nats: disconnected, reconnecting/);
    await nats.start();
    const afterRestart = await heartbeatCount(jsm, agent.clusterId);
    await expect
      .poll(() => heartbeatCount(jsm, agent.clusterId), { timeout: scaled(5000), interval: 100 })
      .toBeGreaterThanOrEqual(afterRestart + 1);
  });

  it('starts while NATS is down and heartbeats once it comes up', async () => {
    await nats.stop();
    let agent: RunningAgent;
    try {
      const log = captureLogs();
      agent = await startAgent(await config('edge-nats-late'), { logger: log.logger });
      running.push(agent);
      await log.waitForLine(/nats: cannot connect/, { count: 2 }); // it has tried, and tried again
    } finally {
      await nats.start();
    }
    await expect
      .poll(() => heartbeatCount(jsm, agent.clusterId), { timeout: scaled(10_000) })
      .toBeGreaterThanOrEqual(1);
  });

  it('stops promptly while NATS is down, connected before or not', async () => {
    const connectedBefore = await startAgent(await config('edge-stop-after-outage'), { logger: silent });
    await expect
      .poll(() => heartbeatCount(jsm, connectedBefore.clusterId), { timeout: scaled(5000) })
      .toBeGreaterThanOrEqual(1);
    await nats.stop();
    try {
      const log = captureLogs();
      const neverConnected = await startAgent(await config('edge-stop-while-down'), { logger: log.logger });
      await log.waitForLine(/nats: cannot connect/); // waiting to retry, not still in its first connect
      for (const agent of [neverConnected, connectedBefore]) {
        const started = Date.now();
        await agent.stop();
        expect(Date.now() - started).toBeLessThan(scaled(1000));
      }
    } finally {
      await nats.start();
    }
  });

  it('says why when its credential is revoked, and keeps retrying', async () => {
    const lines: { msg: string }[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(JSON.parse(chunk.toString())), cb()) }),
    );
    const c = await config('edge-revoked');
    const agent = await startAgent(c, { logger });
    running.push(agent);
    await expect.poll(() => heartbeatCount(jsm, agent.clusterId), { timeout: scaled(5000) }).toBeGreaterThanOrEqual(1);
    const stored = JSON.parse(await readFile(join(c.stateDir, 'credential.json'), 'utf8'));
    const sysCreds = await systemUserCreds(nats.trust);
    const sys = await connect({ servers: nats.url, authenticator: credsAuthenticator(sysCreds.jwt, sysCreds.seed) });
    try {
      await pushRevocations(sys, nats.trust, {
        [decodeUserJwt(stored.nats.jwt).publicKey]: Math.floor(Date.now() / 1000),
      });
      await expect
        .poll(
          () => lines.some((l) => /refused this agent's credential.*registering again with a new token/.test(l.msg)),
          { timeout: scaled(5000) },
        )
        .toBe(true);
      const before = await heartbeatCount(jsm, agent.clusterId);
      // It retries, and each retry is refused: no heartbeat gets through meanwhile.
      const refusals = lines.filter((l) => /refused this agent's credential/.test(l.msg)).length;
      await expect
        .poll(() => lines.filter((l) => /refused this agent's credential/.test(l.msg)).length, {
          timeout: scaled(10_000),
        })
        .toBeGreaterThanOrEqual(refusals + 2);
      expect(await heartbeatCount(jsm, agent.clusterId)).toBe(before);
      // Still retrying: once the revocation is lifted it is back without a restart.
      await pushRevocations(sys, nats.trust, {});
      await expect.poll(() => heartbeatCount(jsm, agent.clusterId), { timeout: scaled(8000) }).toBeGreaterThan(before);
    } finally {
      await pushRevocations(sys, nats.trust, {});
      await sys.close();
    }
  });

  it('fails with a clear error on a 401 and stores nothing', async () => {
    const c = await config('edge-refused', { token: 'wrong-token' });
    await expect(startAgent(c, { logger: silent })).rejects.toMatchObject({
      code: 'REGISTRATION_REFUSED',
      message: expect.stringMatching(/HTTP 401.*token is invalid, expired, revoked or used up/),
    });
    await expect(stat(join(c.stateDir, 'credential.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses to start without a stored credential or a token', async () => {
    const c = await config('edge-no-token', { token: undefined });
    await expect(startAgent(c, { logger: silent })).rejects.toMatchObject({
      code: 'NO_CREDENTIAL',
      message: expect.stringMatching(/--token/),
    });
    expect(hub.registrations.some((r) => r.name === 'edge-no-token')).toBe(false);
  });
});
