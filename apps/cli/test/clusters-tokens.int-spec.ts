import { statSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, registerAgent, type TestAgent } from '../../control-plane/test/support/agent.js';
import {
  ADMIN_TOKEN,
  createRegistrationToken,
  registration,
  startHarness,
  type Harness,
} from '../../control-plane/test/support/harness.js';
import { cliRunner, type CliRunner } from './support/run-cli.js';
import { scaled } from '@flotilla/testing';

describe('flotilla against a running control plane', () => {
  let h: Harness;
  let cli: CliRunner;
  let agent: TestAgent;
  let viewerToken: string;
  beforeAll(async () => {
    h = await startHarness({ HEARTBEAT_INTERVAL_SECONDS: '60' });
    cli = cliRunner({ FLOTILLA_SERVER: h.cp.url, FLOTILLA_TOKEN: ADMIN_TOKEN });
    const edge = await createRegistrationToken(h, { tags: ['edge', 'eu'], maxUses: 10 });
    const cloud = await createRegistrationToken(h, { tags: ['cloud'], maxUses: 10 });
    for (const name of ['edge-a', 'edge-b', 'edge-c'])
      expect((await h.register(registration(edge.token, name).body)).status).toBe(201);
    expect((await h.register(registration(cloud.token, 'cloud-1').body)).status).toBe(201);
    agent = await registerAgent(h, cloud.token, 'cloud-2');
    await agent.heartbeat();
    await eventually(
      async () => (await h.gql('{ cluster(name: "cloud-2") { connection } }')).data?.cluster?.connection === 'ONLINE',
      5000,
      'cloud-2 online',
    );
    const viewer = await h.gql('mutation { createApiToken(input: { name: "viewer", role: VIEWER }) { token } }');
    viewerToken = viewer.data.createApiToken.token;
  });
  afterAll(async () => {
    await agent?.close();
    await h?.close();
    cli?.close();
  });

  const tableNames = (stdout: string) =>
    stdout
      .split('\n')
      .slice(1)
      .filter((l) => /^\S/.test(l) && !/ of \d+ clusters/.test(l))
      .map((l) => l.split(/\s+/)[0]);

  it('lists clusters as a table, filtered by tag, state and text', { timeout: scaled(60_000) }, async () => {
    const [all, edge, online, search] = await Promise.all([
      cli.run(['clusters', 'list']),
      cli.run(['clusters', 'list', '--tag', 'edge', '--tag', 'eu']),
      cli.run(['clusters', 'list', '--state', 'online']),
      cli.run(['clusters', 'list', '--search', 'cloud', '--state', 'PENDING']),
    ]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout.split('\n')[0]).toMatch(
      /^NAME\s+STATE\s+SYNC\s+HEALTH\s+REVISION\s+TAGS\s+PROVIDER\s+REGION\s+KUBE\s+LAST SEEN$/,
    );
    expect(tableNames(all.stdout)).toEqual(['cloud-1', 'cloud-2', 'edge-a', 'edge-b', 'edge-c']);
    expect(all.stdout).toMatch(
      /edge-a\s+PENDING\s+OUT_OF_SYNC\s+UNKNOWN\s+-\s+edge,eu\s+kind\s+eu-west-1\s+v1\.31\.2\s+-/,
    );
    expect(all.stdout).toContain('5 of 5 clusters.');
    expect(tableNames(edge.stdout)).toEqual(['edge-a', 'edge-b', 'edge-c']);
    expect(tableNames(online.stdout)).toEqual(['cloud-2']);
    expect(online.stdout).toMatch(/cloud-2\s+ONLINE\s+\S+\s+\S+\s+\S+\s+cloud\s.*\d+s ago/);
    expect(tableNames(search.stdout)).toEqual(['cloud-1']);
  });

  it('pages with --limit and --after, or follows every page with --all', { timeout: scaled(60_000) }, async () => {
    const first = await cli.run(['clusters', 'list', '--limit', '2']);
    expect(tableNames(first.stdout)).toEqual(['cloud-1', 'cloud-2']);
    const cursor = /Next page: --after (\S+)/.exec(first.stdout)?.[1];
    expect(cursor).toBeTruthy();
    const [rest, all] = await Promise.all([
      cli.run(['clusters', 'list', '--limit', '2', '--after', cursor!]),
      cli.run(['clusters', 'list', '--limit', '2', '--all', '--json']),
    ]);
    expect(tableNames(rest.stdout)).toEqual(['edge-a', 'edge-b']);
    const doc = JSON.parse(all.stdout);
    expect(doc.clusters.map((c: { name: string }) => c.name)).toEqual([
      'cloud-1',
      'cloud-2',
      'edge-a',
      'edge-b',
      'edge-c',
    ]);
    expect(doc).toMatchObject({ totalCount: 5, nextCursor: null });
  });

  it('shows one cluster, and exits 4 for a name that does not exist', { timeout: scaled(60_000) }, async () => {
    const [shown, json, missing] = await Promise.all([
      cli.run(['clusters', 'show', 'cloud-2']),
      cli.run(['clusters', 'show', 'edge-b', '--json']),
      cli.run(['clusters', 'show', 'nowhere']),
    ]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^Name:\s+cloud-2$/m);
    expect(shown.stdout).toMatch(/^State:\s+ONLINE$/m);
    expect(shown.stdout).toMatch(/^Nodes:\s+3$/m);
    expect(shown.stdout).toMatch(/^Last sync:\s+none reported$/m);
    expect(JSON.parse(json.stdout)).toMatchObject({
      name: 'edge-b',
      tags: ['edge', 'eu'],
      connection: 'PENDING',
      facts: { region: 'eu-west-1' },
    });
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('no cluster named "nowhere"');
  });

  it(
    'creates a registration token whose secret registers a cluster, lists it, and revokes it',
    { timeout: scaled(60_000) },
    async () => {
      const created = await cli.run([
        'tokens',
        'create',
        '--name',
        'lab',
        '--tag',
        'lab,gpu',
        '--expires-in',
        '2h',
        '--max-uses',
        '3',
      ]);
      expect(created.code, created.stderr).toBe(0);
      const secret = created.stdout.trim().split('\n').at(-1)!;
      const id = /^ID:\s+(\S+)$/m.exec(created.stdout)?.[1];
      expect(created.stdout).toMatch(/^Tags:\s+lab,gpu$/m);
      expect((await h.register(registration(secret, 'lab-1').body)).status).toBe(201);
      const listed = JSON.parse((await cli.run(['tokens', 'list', '--json'])).stdout) as {
        id: string;
        usedCount: number;
        state: string;
        tags: string[];
      }[];
      expect(listed.find((t) => t.id === id)).toMatchObject({ usedCount: 1, state: 'active', tags: ['lab', 'gpu'] });
      const expires =
        Date.parse((listed.find((t) => t.id === id) as unknown as { expiresAt: string }).expiresAt) - Date.now();
      expect(expires).toBeGreaterThan(7_100_000);
      expect(expires).toBeLessThan(7_300_000);

      const revoked = await cli.run(['tokens', 'revoke', id!]);
      expect(revoked.code, revoked.stderr).toBe(0);
      expect(revoked.stdout).toContain(`Revoked registration token lab (${id})`);
      const table = await cli.run(['tokens', 'list']);
      expect(table.stdout).toMatch(new RegExp(`${id}\\s+lab\\s+lab,gpu\\s+1/3\\s+revoked`));
      expect((await h.register(registration(secret, 'lab-2').body)).status).toBe(401);
    },
  );

  it(
    'creates a token bound to a name that requires approval; approves, suspends and resumes the cluster',
    { timeout: scaled(60_000) },
    async () => {
      const created = await cli.run([
        'tokens',
        'create',
        '--name',
        'gate',
        '--cluster-name',
        'gated-1',
        '--require-approval',
      ]);
      expect(created.code, created.stderr).toBe(0);
      expect(created.stdout).toMatch(/Cluster name:\s+gated-1/);
      expect(created.stdout).toMatch(/Approval:\s+required/);
      const secret = created.stdout.trim().split('\n').at(-1)!;
      expect((await h.register(registration(secret, 'gated-2').body)).status).toBe(403);
      expect((await h.register(registration(secret, 'gated-1').body)).status).toBe(201);
      expect((await cli.run(['clusters', 'show', 'gated-1'])).stdout).toMatch(/Admission:\s+AWAITING_APPROVAL/);

      const steps = [
        [['clusters', 'approve', 'gated-1'], 'Approved cluster gated-1: ACTIVE.'],
        [['clusters', 'suspend', 'gated-1'], 'Suspended cluster gated-1: SUSPENDED.'],
        [['clusters', 'resume', 'gated-1'], 'Resumed cluster gated-1: ACTIVE.'],
      ] as const;
      for (const [argv, said] of steps) {
        const r = await cli.run([...argv]);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout.trim()).toBe(said);
      }
      const again = await cli.run(['clusters', 'resume', 'gated-1']);
      expect(again.code).not.toBe(0);
      expect(again.stderr).toMatch(/gated-1 is ACTIVE; only a SUSPENDED cluster can be resumed/);
      const viewer = await cli.run(['clusters', 'suspend', 'gated-1'], { env: { FLOTILLA_TOKEN: viewerToken } });
      expect(viewer.code).toBe(3);
    },
  );

  it('exits 4 when revoking a token that does not exist', { timeout: scaled(60_000) }, async () => {
    const r = await cli.run(['tokens', 'revoke', '00000000-0000-4000-8000-000000000000']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('no registration token with id 00000000-0000-4000-8000-000000000000');
  });

  it('exits 3 for a bad token and for a role that may not do the operation', { timeout: scaled(60_000) }, async () => {
    const [bad, viewer, viewerRead] = await Promise.all([
      cli.run(['clusters', 'list'], { env: { FLOTILLA_TOKEN: 'not-a-real-token' } }),
      cli.run(['tokens', 'create', '--name', 'nope'], { env: { FLOTILLA_TOKEN: viewerToken } }),
      cli.run(['clusters', 'list', '--json'], { env: { FLOTILLA_TOKEN: viewerToken } }),
    ]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('invalid, revoked or unknown API token');
    expect(bad.stdout).toBe('');
    expect(viewer.code).toBe(3);
    expect(viewer.stderr).toMatch(/needs the \w+ role/);
    expect(viewerRead.code).toBe(0);
  });

  it(
    'logs in with a token from stdin, stores it 0600, and later commands use it',
    { timeout: scaled(60_000) },
    async () => {
      const own = cliRunner();
      try {
        const refused = await own.run(['login', '--server', h.cp.url, '--token-stdin'], { stdin: 'wrong-token\n' });
        expect(refused.code).toBe(3);
        expect(refused.stderr).toContain(`login refused by ${h.cp.url}`);
        const path = join(own.configHome, 'flotilla', 'config.json');
        expect(existsSync(path)).toBe(false);

        const ok = await own.run(['login', '--server', `${h.cp.url}/`, '--token-stdin'], { stdin: `${viewerToken}\n` });
        expect(ok.code, ok.stderr).toBe(0);
        expect(ok.stdout).toContain(`Logged in to ${h.cp.url} (7 clusters)`);
        expect(ok.stdout).not.toContain(viewerToken);
        expect(statSync(path).mode & 0o777).toBe(0o600);
        expect(statSync(join(own.configHome, 'flotilla')).mode & 0o777).toBe(0o700);
        expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ server: h.cp.url, token: viewerToken });

        const listed = await own.run(['clusters', 'list', '--json']);
        expect(listed.code, listed.stderr).toBe(0);
        expect(JSON.parse(listed.stdout).totalCount).toBe(7);
        const overridden = await own.run(['clusters', 'list'], { env: { FLOTILLA_TOKEN: 'env-beats-file' } });
        expect(overridden.code).toBe(3);
      } finally {
        own.close();
      }
    },
  );
});
