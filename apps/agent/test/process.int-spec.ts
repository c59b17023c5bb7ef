import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { startNats, type TestNats, scaled } from '@flotilla/testing';
import { startFakeHub, type FakeHub } from './support/fake-hub.js';
import { runAgentBin as runAgent } from './support/run-agent-bin.js';
import { createAgentStream, heartbeatCount } from './support/stream.js';

const TOKEN = 'flt_process_test_token';

describe('flotilla-agent as a process', () => {
  let nats: TestNats;
  let hubNc: NatsConnection;
  let jsm: JetStreamManager;
  let hub: FakeHub;
  let dir: string;

  beforeAll(async () => {
    nats = await startNats();
    hubNc = await nats.connect(nats.hub);
    jsm = await createAgentStream(hubNc);
    hub = await startFakeHub({ trust: nats.trust, natsUrl: nats.url, token: TOKEN, heartbeatIntervalSeconds: 1 });
    dir = await mkdtemp(join(tmpdir(), 'flotilla-agent-proc-'));
  });
  afterAll(async () => {
    await hub?.close();
    await hubNc?.close();
    await nats?.[Symbol.asyncDispose]();
    await rm(dir, { recursive: true, force: true });
  });

  it('registers, heartbeats, logs JSON without secrets, and exits 0 on SIGTERM', async () => {
    const stateDir = join(dir, 'ok');
    const agent = runAgent(['--server', hub.url, '--name', 'proc-ok', '--state-dir', stateDir, '--node-count', '2'], {
      FLOTILLA_TOKEN: TOKEN,
    });
    try {
      await expect
        .poll(
          () =>
            stat(join(stateDir, 'credential.json')).then(
              () => true,
              () => false,
            ),
          { timeout: scaled(15_000) },
        )
        .toBe(true);
      const credential = JSON.parse(await readFile(join(stateDir, 'credential.json'), 'utf8'));
      await expect
        .poll(() => heartbeatCount(jsm, credential.clusterId), { timeout: scaled(10_000) })
        .toBeGreaterThanOrEqual(1);
      agent.child.kill('SIGTERM');
      expect(
        await Promise.race([agent.exited, new Promise((r) => setTimeout(() => r('still running'), scaled(5000)))]),
      ).toBe(0);
      const lines = agent.out.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { msg: string });
      expect(lines.map((l) => l.msg)).toEqual(
        expect.arrayContaining(['registration: registered; credential stored', 'nats: connected', 'agent: stopped']),
      );
      expect(agent.out.stdout).not.toContain(TOKEN);
      expect(agent.out.stdout).not.toContain(credential.nats.seed);
      expect(agent.out.stdout).not.toContain(credential.nats.jwt);
    } finally {
      agent.child.kill('SIGKILL');
    }
  });

  it('restarts on its stored credential after the --token-file is gone (the registration Secret deleted)', async () => {
    const stateDir = join(dir, 'restart');
    const tokenFile = join(dir, 'restart-token');
    await writeFile(tokenFile, `${TOKEN}\n`);
    const args = ['--server', hub.url, '--name', 'proc-restart', '--state-dir', stateDir, '--token-file', tokenFile];
    const first = runAgent(args, {});
    let credential: { clusterId: string };
    try {
      await expect
        .poll(() => readFile(join(stateDir, 'credential.json'), 'utf8').catch(() => ''), {
          timeout: scaled(15_000),
        })
        .not.toBe('');
      credential = JSON.parse(await readFile(join(stateDir, 'credential.json'), 'utf8'));
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
    } finally {
      first.child.kill('SIGKILL');
    }
    await rm(tokenFile);
    const before = await heartbeatCount(jsm, credential.clusterId);
    const second = runAgent(args, {});
    try {
      await expect
        .poll(() => heartbeatCount(jsm, credential.clusterId), { timeout: scaled(15_000) })
        .toBeGreaterThan(before);
      expect(second.child.exitCode).toBeNull();
      expect(second.out.stdout).toContain('registration: using the stored credential');
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      second.child.kill('SIGKILL');
    }
    // Without a credential the missing file is what stops it, named.
    const fresh = runAgent(
      ['--server', hub.url, '--name', 'proc-nofile', '--state-dir', join(dir, 'nofile'), '--token-file', tokenFile],
      {},
    );
    expect(await fresh.exited).toBe(2);
    expect(fresh.out.stderr).toContain(`cannot read the token file ${tokenFile}`);
  });

  it('exits 1 with a clear error when the hub answers 401, and stores nothing', async () => {
    const stateDir = join(dir, 'refused');
    const agent = runAgent(
      ['--server', hub.url, '--name', 'proc-refused', '--state-dir', stateDir, '--token', 'not-the-token'],
      {},
    );
    expect(await agent.exited).toBe(1);
    expect(agent.out.stderr).toMatch(
      /registration refused by .*\/v1\/register \(HTTP 401\): the token is invalid, expired, revoked or used up/,
    );
    await expect(stat(join(stateDir, 'credential.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('exits 2 listing the bad settings', async () => {
    const agent = runAgent(['--name', 'Bad_Name', '--heartbeat-interval', 'often'], {});
    expect(await agent.exited).toBe(2);
    expect(agent.out.stderr).toMatch(/name: must be a DNS label/);
    expect(agent.out.stderr).toMatch(/heartbeatIntervalSeconds/);
  });

  it('exits 2 before registering when the --trusted-keys file is missing, naming it', async () => {
    const keys = join(dir, 'no-such-keys.asc');
    const agent = runAgent(
      [
        '--name',
        'edge-keys',
        '--server',
        hub.url,
        '--token',
        TOKEN,
        '--state-dir',
        join(dir, 'edge-keys'),
        '--trusted-keys',
        keys,
      ],
      {},
    );
    expect(await agent.exited).toBe(2);
    expect(agent.out.stderr).toContain(`cannot read the trusted keys file ${keys}`);
    await expect(stat(join(dir, 'edge-keys', 'credential.json'))).rejects.toThrow(/ENOENT/);
  });
});
