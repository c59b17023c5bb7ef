/**
 * The signed-commit policy on a real agent: kube-sim, a bare repo served by `git http-backend`,
 * commits signed by real git + gpg. Only a validly signed commit that descends from the running
 * one is applied; every other commit is refused in the source stage with a COMMIT_* error naming
 * it, nothing of it reaches the cluster, and the last good state stays enforced (drift healed).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncReport } from '@flotilla/protocol';
import { commitFiles, createGpgKey, runGit, startGitServer, type GpgKey, scaled } from '@flotilla/testing';
import { CommitGuard } from '../src/source/commit-guard.js';
import { Fetcher } from '../src/source/fetcher.js';
import { KubeClient } from '../src/kube/kube-client.js';
import { loadKubeconfig } from '../src/kube/kubeconfig.js';
import { configMap, namespace } from './support/manifests.js';
import { startReconcileEnv, waitFor, type ReconcileEnv } from './support/reconcile-env.js';

const files = (value: string) => ({
  'clusters/edge/ns.yaml': namespace('web'),
  'clusters/edge/config.yaml': configMap('web', 'web-config', { key: value }),
});

describe('signed commits (--trusted-keys)', () => {
  let env: ReconcileEnv;
  let trusted: GpgKey;
  let stranger: GpgKey;
  let good: string;
  const liveValue = () =>
    (env.sim.api.store.get('configmaps', 'web', 'web-config') as { data: Record<string, string> }).data['key'];

  /** Points the desired state at `revision` and returns the first report about it that follows. */
  const reportFor = async (revision: string): Promise<SyncReport> => {
    const before = (await env.syncReports()).length;
    await env.putDesired({ revision });
    return (await env.waitSync((r) => r.slice(before).some((x) => x.revision === revision)))
      .slice(before)
      .find((x) => x.revision === revision)!;
  };

  const expectRefused = (report: SyncReport, code: string, revision: string) => {
    expect(report).toMatchObject({
      revision,
      appliedRevision: good,
      state: 'Failed',
      objects: [],
      error: { stage: 'source', code, retryable: false },
    });
    expect(report.error!.reason).toContain(`commit ${revision}`);
  };

  beforeAll(async () => {
    env = await startReconcileEnv();
    [trusted, stranger] = await Promise.all([
      createGpgKey({ name: 'Fleet Admin', email: 'admin@fleet.invalid' }),
      createGpgKey({ name: 'Stranger', email: 'stranger@elsewhere.invalid' }),
    ]);
    const keysFile = join(env.stateDir, '..', 'trusted.asc');
    await writeFile(keysFile, trusted.publicKey);
    good = await trusted.commitSigned(env.git.repoPath, { files: files('v1'), message: 'v1, signed' });
    await env.startAgent({ trustedKeysFile: keysFile });
  }, scaled(60_000));
  afterAll(async () => {
    await env?.close();
    await Promise.all([trusted?.close(), stranger?.close()]);
  });

  it('applies a commit signed by a trusted key', async () => {
    const report = await reportFor(good);
    expect(report).toMatchObject({ revision: good, appliedRevision: good, state: 'Synced', health: 'Healthy' });
    expect(liveValue()).toBe('v1');
  });

  it('refuses an unsigned commit: COMMIT_UNSIGNED, nothing applied', async () => {
    const unsigned = await env.git.commit({ files: files('unsigned'), message: 'pushed without a signature' });
    expectRefused(await reportFor(unsigned), 'COMMIT_UNSIGNED', unsigned);
    expect(liveValue()).toBe('v1');
  });

  it('refuses a commit signed by a key outside the trust set: COMMIT_KEY_UNTRUSTED naming the key', async () => {
    const foreign = await stranger.commitSigned(env.git.repoPath, {
      files: files('stranger'),
      message: 'signed by someone else',
    });
    const report = await reportFor(foreign);
    expectRefused(report, 'COMMIT_KEY_UNTRUSTED', foreign);
    expect(report.error!.reason).toContain(stranger.fingerprint.slice(-16));
    expect(liveValue()).toBe('v1');
  });

  it('refuses a tampered commit (a trusted signature over another tree): COMMIT_SIGNATURE_INVALID', async () => {
    const signed = await trusted.commitSigned(env.git.repoPath, { files: files('v2'), message: 'v2, signed' });
    const evilTree = await runGit(
      ['log', '-1', '--format=%T', await commitFiles(env.git.repoPath, { files: files('evil'), message: 'evil' })],
      { cwd: env.git.repoPath },
    );
    const object = await runGit(['cat-file', 'commit', signed], { cwd: env.git.repoPath });
    const forged = await runGit(['hash-object', '-w', '-t', 'commit', '--stdin'], {
      cwd: env.git.repoPath,
      input: `${object.replace(/^tree [0-9a-f]{40}/, `tree ${evilTree}`)}\n`,
    });
    await runGit(['update-ref', 'refs/heads/main', forged], { cwd: env.git.repoPath });
    expectRefused(await reportFor(forged), 'COMMIT_SIGNATURE_INVALID', forged);
    expect(liveValue()).toBe('v1');
  });

  it('keeps enforcing the last good commit while refusing: drift on it is still healed', async () => {
    const client = new KubeClient(loadKubeconfig(env.sim.kubeconfigPath));
    await client.request('PATCH', '/api/v1/namespaces/web/configmaps/web-config', {
      body: { data: { key: 'edited' } },
      contentType: 'application/merge-patch+json',
      query: { fieldManager: 'someone' },
    });
    client.close();
    await waitFor(liveValue, (v) => v === 'v1', 5_000, 'drift healed back to v1');
  });

  it('applies the next signed commit, then refuses a force-push back to an older signed commit: COMMIT_NOT_DESCENDANT', async () => {
    const next = await trusted.commitSigned(env.git.repoPath, { files: files('v3'), message: 'v3, signed' });
    expect(await reportFor(next)).toMatchObject({ revision: next, appliedRevision: next, state: 'Synced' });
    expect(liveValue()).toBe('v3');
    const older = good;
    good = next;
    await runGit(['update-ref', 'refs/heads/main', older], { cwd: env.git.repoPath });
    const report = await reportFor(older);
    expectRefused(report, 'COMMIT_NOT_DESCENDANT', older);
    expect(report.error!.reason).toContain(`does not descend from ${next}`);
    expect(liveValue()).toBe('v3');
  });
});

describe('commit ancestry over a shallow store', () => {
  it('deepens the depth-1 fetch until it finds the running commit, and says not-descendant for an older one', async () => {
    const git = await startGitServer();
    const dir = await mkdtemp(join(tmpdir(), 'fl-ancestry-'));
    try {
      const first = await git.commit({ files: { 'a.txt': '0' }, message: 'c0' });
      for (let i = 1; i < 60; i++) await git.commit({ files: { 'a.txt': String(i) }, message: `c${i}` });
      const head = await runGit(['rev-parse', 'main'], { cwd: git.repoPath });
      const fetcher = new Fetcher(dir);
      const desired = { repoUrl: git.url, branch: 'main' };
      await fetcher.fetch({ ...desired, revision: head });
      const afterShallow = git.requests();
      await expect(fetcher.ancestry(desired, head, first)).resolves.toBe('descendant');
      expect(git.requests()).toBeGreaterThan(afterShallow); // it had to deepen
      await expect(fetcher.ancestry(desired, first, head)).resolves.toBe('not-descendant');
    } finally {
      await git.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a trusted keys file that holds no key stops the start, naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fl-keys-'));
    try {
      const file = join(dir, 'keys.asc');
      await writeFile(file, 'not a key\n');
      await expect(CommitGuard.fromFile(file, new Fetcher(dir))).rejects.toMatchObject({
        code: 'INVALID_CONFIG',
        message: expect.stringContaining(`${file}: not an armored OpenPGP public key block`),
      });
      await expect(CommitGuard.fromFile(join(dir, 'missing.asc'), new Fetcher(dir))).rejects.toThrow(
        /cannot read the trusted keys file .*missing\.asc/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
