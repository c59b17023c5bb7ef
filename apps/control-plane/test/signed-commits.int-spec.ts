/**
 * The signed-commit policy on the control plane (FLEET_TRUSTED_KEYS_FILE, FLEET_SIGNING_KEY_FILE):
 * real Postgres, nats-server, `git http-backend`, commits signed by real git + gpg, fake agents.
 * A head that is unsigned, signed by an unknown key, tampered, or a force-push back to an older
 * commit becomes a Rejected rollout naming the commit and the reason, and no cluster moves; a
 * rollback writes a revert commit signed with the signing key that git and the agents' check accept.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fs from 'node:fs';
import git from 'isomorphic-git';
import pg from 'pg';
import { ancestryOf, TrustSet, verifyCommit } from '@flotilla/gitops';
import { commitFiles, createGpgKey, runGit, type GitServer, type GpgKey, scaled } from '@flotilla/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { CommitPolicy } from '../src/modules/rollouts/git/commit-policy.service.js';
import { FleetSource } from '../src/modules/rollouts/git/fleet-source.js';
import { eventually } from './support/agent.js';
import type { FakeFleetAgent } from './support/fake-fleet-agent.js';
import type { Harness } from './support/harness.js';
import { deployment, rolloutAudit, startRolloutFleet, type RolloutFleet } from './support/rollout-fleet.js';

const FLEET = `onFailure: rollback
healthTimeout: 20s
waves:
  - name: canary
    selector: { allOf: [canary] }
  - name: rest
    rest: true
`;
const CLUSTERS = [
  ['can', ['canary']],
  ['us', ['edge']],
] as const;
const ROLLOUTS = `query($rev: String) { rollouts(filter: { revision: $rev }) { edges { node { id revision phase trigger reason rollbackRevision } } } }`;
type RolloutNode = {
  id: string;
  revision: string;
  phase: string;
  trigger: string;
  reason: string | null;
  rollbackRevision: string | null;
};

/** Its tests wait on a control plane, agents and git: a deadline that stretches with the load. */
const SLOW_1 = { timeout: scaled(40_000) };

describe('signed-commit policy on the control plane', SLOW_1, () => {
  let fleet: RolloutFleet;
  let repo: GitServer;
  let h: Harness;
  let trusted: GpgKey;
  let stranger: GpgKey;
  let dir: string;
  let first: string;
  let accepted: string;
  let agents: Map<string, FakeFleetAgent>;
  let bad: Set<string>;

  const rollouts = async (rev: string) =>
    ((await h.gql(ROLLOUTS, { rev })).data?.rollouts.edges ?? []).map(
      (e: { node: RolloutNode }) => e.node,
    ) as RolloutNode[];
  const rolloutIn = (rev: string, phases: string[], ms = 10_000) =>
    eventually(
      async () => (await rollouts(rev)).find((r) => phases.includes(r.phase)),
      ms,
      `rollout of ${rev} in ${phases.join('/')}`,
    );
  const desiredRevisions = async () => {
    const client = new pg.Client({ connectionString: h.db.url });
    await client.connect();
    try {
      return (
        await client.query<{ name: string; desired_revision: string }>(
          'SELECT name, desired_revision FROM clusters ORDER BY name',
        )
      ).rows.map((r) => `${r.name}@${r.desired_revision}`);
    } finally {
      await client.end();
    }
  };
  const everyoneOn = (rev: string) => CLUSTERS.map(([n]) => `${n}@${rev}`);

  const lastPolledAt = async (): Promise<string | null> =>
    (await h.gql('{ fleetRepo { lastPolledAt } }')).data.fleetRepo.lastPolledAt;
  /** Waits until the control plane has finished `n` more polls of the fleet repo. */
  const morePolls = async (n = 2) => {
    let last = await lastPolledAt();
    for (let i = 0; i < n; i++) {
      const seen = last;
      last = await eventually(
        async () => {
          const t = await lastPolledAt();
          return t !== seen ? t : undefined;
        },
        10_000,
        'another poll of the fleet repo',
      );
    }
  };

  /** The head is rejected with `code`, once, and after more polls every cluster still runs `accepted`. */
  const expectRejected = async (rev: string, code: string) => {
    const r = await rolloutIn(rev, ['REJECTED']);
    expect(r.reason).toContain(`commit ${rev}`);
    const audit = await rolloutAudit(h, r.id);
    expect(audit.map((a) => a.action)).toEqual(['rollout.reject']);
    expect(audit[0]!.details).toMatchObject({ revision: rev, error: { code } });
    await morePolls(2);
    expect(await rollouts(rev)).toHaveLength(1);
    expect(await desiredRevisions()).toEqual(everyoneOn(accepted));
    for (const a of agents.values()) expect(a.received).not.toContain(rev);
    return r;
  };

  beforeAll(async () => {
    [trusted, stranger] = await Promise.all([
      createGpgKey({ name: 'Fleet Admin', email: 'admin@fleet.invalid' }),
      createGpgKey({ name: 'Stranger', email: 'stranger@elsewhere.invalid' }),
    ]);
    dir = await mkdtemp(join(tmpdir(), 'fl-cp-sig-'));
    await writeFile(join(dir, 'trusted.asc'), trusted.publicKey);
    await writeFile(join(dir, 'signing.asc'), trusted.secretKey, { mode: 0o600 });
    fleet = await startRolloutFleet({
      fleetYaml: FLEET,
      clusters: CLUSTERS,
      env: { FLEET_TRUSTED_KEYS_FILE: join(dir, 'trusted.asc'), FLEET_SIGNING_KEY_FILE: join(dir, 'signing.asc') },
      commit: (repoPath, o) => trusted.commitSigned(repoPath, o),
    });
    ({ git: repo, h, agents, bad, first } = fleet);
    accepted = first;
  }, scaled(60_000));
  afterAll(async () => {
    await fleet?.close();
    await Promise.all([trusted?.close(), stranger?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects an unsigned head: COMMIT_UNSIGNED, no cluster moves', async () => {
    const rev = await repo.commit({
      files: { 'bases/web/deploy.yaml': deployment('web:unsigned') },
      message: 'unsigned push',
    });
    const r = await expectRejected(rev, 'COMMIT_UNSIGNED');
    expect(r.trigger).toBe('COMMIT');
  });

  it('rejects a head signed by a key outside the trust set: COMMIT_KEY_UNTRUSTED', async () => {
    const rev = await stranger.commitSigned(repo.repoPath, {
      files: { 'bases/web/deploy.yaml': deployment('web:stranger') },
      message: 'stranger push',
    });
    const r = await expectRejected(rev, 'COMMIT_KEY_UNTRUSTED');
    expect(r.reason).toContain(stranger.fingerprint.slice(-16));
  });

  it('rejects a tampered head (a trusted signature over another tree): COMMIT_SIGNATURE_INVALID', async () => {
    // built on a side branch, so the poller never sees the genuine signed commit as the head
    await runGit(['update-ref', 'refs/heads/scratch', 'main'], { cwd: repo.repoPath });
    const signed = await trusted.commitSigned(repo.repoPath, {
      branch: 'scratch',
      files: { 'bases/web/deploy.yaml': deployment('web:1.1') },
      message: 'web 1.1',
    });
    const evilTree = await runGit(
      [
        'log',
        '-1',
        '--format=%T',
        await commitFiles(repo.repoPath, {
          branch: 'scratch',
          files: { 'bases/web/deploy.yaml': deployment('web:evil') },
          message: 'evil',
        }),
      ],
      { cwd: repo.repoPath },
    );
    const object = await runGit(['cat-file', 'commit', signed], { cwd: repo.repoPath });
    const forged = await runGit(['hash-object', '-w', '-t', 'commit', '--stdin'], {
      cwd: repo.repoPath,
      input: `${object.replace(/^tree [0-9a-f]{40}/, `tree ${evilTree}`)}\n`,
    });
    await runGit(['update-ref', 'refs/heads/main', forged], { cwd: repo.repoPath });
    await expectRejected(forged, 'COMMIT_SIGNATURE_INVALID');
  });

  it('rolls out a signed head, then rejects a force-push back to the older commit: COMMIT_NOT_DESCENDANT', async () => {
    const rev = await trusted.commitSigned(repo.repoPath, {
      files: { 'bases/web/deploy.yaml': deployment('web:1.2') },
      message: 'web 1.2, signed',
    });
    await rolloutIn(rev, ['SUCCEEDED'], 20_000);
    accepted = rev;
    await eventually(
      async () => JSON.stringify(await desiredRevisions()) === JSON.stringify(everyoneOn(rev)),
      5000,
      'clusters on the signed commit',
    );
    await runGit(['update-ref', 'refs/heads/main', first], { cwd: repo.repoPath });
    const r = await eventually(
      async () => (await rollouts(first)).find((x) => x.phase === 'REJECTED'),
      10_000,
      'force-push rejected',
    );
    expect(r.reason).toContain(`commit ${first} does not descend from ${rev}`);
    await morePolls(2);
    expect(await desiredRevisions()).toEqual(everyoneOn(rev));
    // the branch put back where it was is accepted again, with no new rollout
    await runGit(['update-ref', 'refs/heads/main', rev], { cwd: repo.repoPath });
    await morePolls(2);
    expect((await rollouts(rev)).map((x) => x.phase)).toEqual(['SUCCEEDED']);
  });

  it('refuses startRollout of an unsigned revision, or of an older one the clusters would have to go back to (BAD_USER_INPUT)', async () => {
    const START = `mutation($i: StartRolloutInput!) { startRollout(input: $i) { id } }`;
    // an unsigned commit inside the branch, under a signed head that changes no render (clusters move to it)
    const unsigned = await repo.commit({
      files: { 'README.md': 'unsigned\n' },
      message: 'unsigned, under a signed head',
    });
    accepted = await trusted.commitSigned(repo.repoPath, {
      files: { 'README.md': 'signed\n' },
      message: 'readme, signed',
    });
    await eventually(
      async () => JSON.stringify(await desiredRevisions()) === JSON.stringify(everyoneOn(accepted)),
      10_000,
      'clusters on the signed head',
    );
    const a = await h.gql(START, { i: { revision: unsigned, selector: { anyOf: ['canary'] } } });
    expect(a.errors?.[0]).toMatchObject({
      message: expect.stringContaining(`commit ${unsigned} is not signed`),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const b = await h.gql(START, { i: { revision: first, selector: { anyOf: ['canary'] } } });
    expect(b.errors?.[0]).toMatchObject({
      message: expect.stringContaining(`commit ${first} does not descend from ${accepted}`),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(await desiredRevisions()).toEqual(everyoneOn(accepted));
  });

  it('rolls back with a revert commit signed by FLEET_SIGNING_KEY_FILE, which git and the agents’ check accept', async () => {
    const rev = await trusted.commitSigned(repo.repoPath, {
      files: { 'bases/web/deploy.yaml': deployment('web:broken') },
      message: 'web broken, signed',
    });
    bad.add(rev);
    const r = await rolloutIn(rev, ['ROLLED_BACK'], 30_000);
    const revert = r.rollbackRevision!;
    expect(await runGit(['log', '-1', '--format=%an|%P', revert], { cwd: repo.repoPath })).toBe(`Flotilla|${rev}`);
    await expect(
      runGit(['verify-commit', revert], { cwd: repo.repoPath, env: { GNUPGHOME: trusted.home } }),
    ).resolves.toBeDefined();
    // the agents' check: a valid signature by the trusted key, and a descendant of the bad commit the canary ran
    const trust = await TrustSet.load([{ name: 'trusted.asc', armored: trusted.publicKey }]);
    const { object } = await git.readObject({ fs, gitdir: repo.repoPath, oid: revert, format: 'content' });
    await expect(verifyCommit(object as Uint8Array, trust)).resolves.toMatchObject({
      status: 'valid',
      fingerprint: trusted.fingerprint,
    });
    const readParents = (oid: string) =>
      git.readCommit({ fs, gitdir: repo.repoPath, oid }).then(
        (c) => c.commit.parent,
        () => undefined,
      );
    await expect(ancestryOf({ oid: revert, ancestor: rev, readParents, maxCommits: 100 })).resolves.toBe('descendant');
    await eventually(
      async () => [...agents.values()].every((a) => a.received.at(-1) === revert),
      10_000,
      'every cluster on the revert',
    );
    expect(agents.get('us')!.received).not.toContain(rev);
  });

  it('after a restart (a fresh Git store) the accepted head stays accepted: nothing rejected, nothing moves', async () => {
    const head = await runGit(['rev-parse', 'main'], { cwd: repo.repoPath });
    const before = await desiredRevisions();
    const rejectedBefore = (
      await h.gql(`{ rollouts(first: 50) { edges { node { phase } } } }`)
    ).data.rollouts.edges.filter((e: { node: { phase: string } }) => e.node.phase === 'REJECTED').length;
    await h.stopControlPlane();
    await h.startControlPlane();
    await eventually(
      async () => (await h.gql('{ fleetRepo { headRevision lastPolledAt } }')).data.fleetRepo.lastPolledAt,
      8000,
      'a poll after the restart',
    );
    await morePolls(2);
    expect((await h.gql('{ fleetRepo { headRevision error } }')).data.fleetRepo).toEqual({
      headRevision: head,
      error: null,
    });
    const rejectedAfter = (
      await h.gql(`{ rollouts(first: 50) { edges { node { phase } } } }`)
    ).data.rollouts.edges.filter((e: { node: { phase: string } }) => e.node.phase === 'REJECTED').length;
    expect(rejectedAfter).toBe(rejectedBefore);
    expect(await desiredRevisions()).toEqual(before);
  });
});

describe('signed-commit policy configuration', () => {
  let keys: GpgKey;
  let other: GpgKey;
  let dir: string;
  beforeAll(async () => {
    [keys, other] = await Promise.all([
      createGpgKey({ name: 'Fleet Admin', email: 'admin@fleet.invalid' }),
      createGpgKey({ name: 'Other', email: 'other@fleet.invalid' }),
    ]);
    dir = await mkdtemp(join(tmpdir(), 'fl-cp-sigcfg-'));
    await writeFile(join(dir, 'trusted.asc'), keys.publicKey);
    await writeFile(join(dir, 'other-signing.asc'), other.secretKey);
    await writeFile(join(dir, 'broken.asc'), 'not a key');
  }, scaled(30_000));
  afterAll(async () => {
    await Promise.all([keys?.close(), other?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  const policyWith = async (env: Record<string, string>) => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://x@127.0.0.1/x',
      NATS_URL: 'nats://127.0.0.1:1',
      NATS_HUB_JWT: 'x',
      NATS_HUB_SEED: 'SUAAA',
      NATS_ACCOUNT_SEED: 'SAAAA',
      ADMIN_TOKEN: 'a'.repeat(32),
      FLOTILLA_SECRET_KEY: Buffer.alloc(32, 1).toString('base64'),
      ...env,
    });
    const source = new FleetSource(config);
    try {
      const policy = new CommitPolicy(config, source);
      await policy.onModuleInit();
      return policy;
    } finally {
      source.onModuleDestroy();
    }
  };

  it('refuses to start with a signing key outside the trust set, or a keys file that holds no key, naming the setting', async () => {
    await expect(
      policyWith({
        FLEET_TRUSTED_KEYS_FILE: join(dir, 'trusted.asc'),
        FLEET_SIGNING_KEY_FILE: join(dir, 'other-signing.asc'),
      }),
    ).rejects.toThrow(`FLEET_SIGNING_KEY_FILE: key ${other.fingerprint} is not in FLEET_TRUSTED_KEYS_FILE`);
    await expect(policyWith({ FLEET_TRUSTED_KEYS_FILE: join(dir, 'broken.asc') })).rejects.toThrow(
      /^FLEET_TRUSTED_KEYS_FILE \(.*broken\.asc\): not an armored OpenPGP public key block/,
    );
    await expect(policyWith({ FLEET_TRUSTED_KEYS_FILE: join(dir, 'missing.asc') })).rejects.toThrow(
      /^FLEET_TRUSTED_KEYS_FILE: cannot read .*missing\.asc/,
    );
  });

  it('is off without FLEET_TRUSTED_KEYS_FILE', async () => {
    const policy = await policyWith({});
    expect(policy.enabled).toBe(false);
    await expect(policy.refusal('0'.repeat(40), ['1'.repeat(40)])).resolves.toBeUndefined();
  });
});

/** Its tests wait on a control plane, agents and git: a deadline that stretches with the load. */
const SLOW_2 = { timeout: scaled(60_000) };

describe('signed-commit policy without a signing key', SLOW_2, () => {
  it('pauses a rollback with the reason instead of pushing an unsigned revert commit', async () => {
    const key = await createGpgKey({ name: 'Fleet Admin', email: 'admin@fleet.invalid' });
    const dir = await mkdtemp(join(tmpdir(), 'fl-cp-nosign-'));
    let f: RolloutFleet | undefined;
    try {
      await writeFile(join(dir, 'trusted.asc'), key.publicKey);
      f = await startRolloutFleet({
        fleetYaml: FLEET,
        clusters: [['can', ['canary']]],
        delayMs: 50,
        env: { FLEET_TRUSTED_KEYS_FILE: join(dir, 'trusted.asc') },
        commit: (repoPath, o) => key.commitSigned(repoPath, o),
      });
      const { git: repo, h } = f;
      const rev = await key.commitSigned(repo.repoPath, {
        files: { 'bases/web/deploy.yaml': deployment('web:broken') },
        message: 'broken, signed',
      });
      f.bad.add(rev);
      const r = await eventually(
        async () =>
          ((await h.gql(ROLLOUTS, { rev })).data?.rollouts.edges ?? [])
            .map((e: { node: RolloutNode }) => e.node)
            .find((n: RolloutNode) => n.phase === 'PAUSED') as RolloutNode | undefined,
        20_000,
        'rollout paused',
      );
      expect(r.reason).toContain('FLEET_SIGNING_KEY_FILE is not set');
      expect(r.rollbackRevision).toBeNull();
      expect(await runGit(['rev-parse', 'main'], { cwd: repo.repoPath })).toBe(rev);
    } finally {
      await f?.close();
      await key.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
