import { readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { startGitServer, type GitServer } from '@flotilla/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FleetRepoService } from '../src/modules/fleet-repo/fleet-repo.service.js';
import { eventually } from './support/agent.js';
import { startHarness, type Harness } from './support/harness.js';

const SECRET = 'hook-secret-for-tests-42';
const FLEET_REPO = '{ fleetRepo { headRevision } }';
const fixture = (p: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`./fixtures/webhooks/${p}`, import.meta.url), 'utf8')) as Record<string, unknown>;
const hmac = (body: string, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');

describe('POST /v1/git/webhook', () => {
  let git: GitServer;
  let h: Harness;
  let first: string;
  beforeAll(async () => {
    git = await startGitServer();
    first = await git.commit({ files: { 'clusters/a/cm.yaml': 'kind: ConfigMap\n' }, message: 'first' });
    // Polling every hour: only the boot poll and webhooks move the head in this test.
    h = await startHarness({
      FLEET_REPO_URL: git.url,
      FLEET_POLL_INTERVAL_SECONDS: '3600',
      FLEET_WEBHOOK_SECRET: SECRET,
    });
    await eventually(async () => (await head()) === first, 5000, 'boot poll');
  });
  afterAll(async () => {
    await h?.close();
    await git?.close();
  });

  const head = async (): Promise<string | null> =>
    ((await h.gql(FLEET_REPO)).data as { fleetRepo: { headRevision: string | null } }).fleetRepo.headRevision;
  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${h.cp.url}/v1/git/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  const pushBody = (file: string, after: string) => JSON.stringify({ ...fixture(file), ref: 'refs/heads/main', after });

  it('answers a GitHub ping with a valid signature', async () => {
    const body = readFileSync(new URL('./fixtures/webhooks/github/ping-payload.json', import.meta.url), 'utf8');
    const res = await post(body, { 'x-github-event': 'ping', 'x-hub-signature-256': `sha256=${hmac(body)}` });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ provider: 'github', event: 'ping', outcome: 'pong' });
  });

  it('refuses a bad signature with 401 and does nothing, for each provider', async () => {
    const next = await git.commit({
      files: { 'clusters/a/cm.yaml': 'kind: ConfigMap\ndata: {}\n' },
      message: 'second',
    });
    const cases: [string, Record<string, string>][] = [
      [
        'github/push-with-new-branch.payload.json',
        { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hmac('other body')}` },
      ],
      ['github/push-with-new-branch.payload.json', { 'x-github-event': 'push' }],
      ['gitlab/push.json', { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'not-the-secret' }],
      [
        'gitea/push.json',
        { 'x-gitea-event': 'push', 'x-github-event': 'push', 'x-gitea-signature': hmac('x', 'wrong-secret-000000') },
      ],
    ];
    // A webhook that is let in starts its poll before it answers: none may have started one.
    const poll = vi.spyOn(h.cp.app.get(FleetRepoService), 'poll');
    try {
      for (const [file, headers] of cases) {
        const res = await post(pushBody(file, next), headers);
        expect(res.status).toBe(401);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BAD_SIGNATURE');
      }
      expect(poll).not.toHaveBeenCalled();
    } finally {
      poll.mockRestore();
    }
    expect(await head()).toBe(first);
  });

  it.each([
    [
      'GitHub',
      'github/push-with-new-branch.payload.json',
      (b: string) => ({ 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hmac(b)}` }),
    ],
    ['GitLab', 'gitlab/push.json', () => ({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': SECRET })],
    [
      'Gitea',
      'gitea/push.json',
      (b: string) => ({ 'x-gitea-event': 'push', 'x-github-event': 'push', 'x-gitea-signature': hmac(b) }),
    ],
  ])('a signed %s push to the tracked branch polls the fleet repo at once', async (_provider, file, sign) => {
    const next = await git.commit({
      files: { 'clusters/a/cm.yaml': `kind: ConfigMap\ndata: { n: "${file}" }\n` },
      message: `push ${file}`,
    });
    const body = pushBody(file, next);
    const res = await post(body, sign(body));
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ outcome: 'poll', revision: next });
    await eventually(async () => (await head()) === next, 5000, `head ${next}`);
    const rollout = await eventually(
      async () =>
        (
          await h.gql(
            'query($rev: String) { rollouts(filter: { revision: $rev }) { edges { node { actor trigger } } } }',
            { rev: next },
          )
        ).data?.rollouts.edges[0]?.node,
      5000,
      `rollout of ${next}`,
    );
    expect(rollout).toEqual({ actor: `${_provider.toLowerCase()} push webhook`, trigger: 'COMMIT' });
  });

  it('ignores pushes to other branches and tag deletions without polling', async () => {
    const body = JSON.stringify({ ...fixture('github/push-payload.json') });
    const res = await post(body, { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hmac(body)}` });
    expect(await res.json()).toMatchObject({
      outcome: 'ignored',
      reason: 'push to refs/tags/simple-tag, not the tracked refs/heads/main',
    });
  });

  it('names a malformed body and an unknown sender', async () => {
    const bad = JSON.stringify({ ref: 'refs/heads/main', after: 'nope' });
    const res = await post(bad, { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': SECRET });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        code: 'INVALID_BODY',
        message: 'invalid webhook body: Push Hook payload: after must be a 40-character commit SHA',
      },
    });
    const anon = await post('{}', {});
    expect(anon.status).toBe(400);
    expect(((await anon.json()) as { error: { code: string } }).error.code).toBe('UNKNOWN_PROVIDER');
  });
});
