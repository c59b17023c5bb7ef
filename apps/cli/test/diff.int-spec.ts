import { startGitServer, type GitServer, scaled } from '@flotilla/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, registerAgent, type TestAgent } from '../../control-plane/test/support/agent.js';
import {
  ADMIN_TOKEN,
  createRegistrationToken,
  startHarness,
  type Harness,
} from '../../control-plane/test/support/harness.js';
import { cliRunner, runAll, type CliRunner } from './support/run-cli.js';

const cm = (name: string, data: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: web\ndata:\n${data}`;

describe('flotilla diff against a running control plane and fleet repository', () => {
  let git: GitServer;
  let h: Harness;
  let cli: CliRunner;
  let agent: TestAgent;
  let first: string, second: string, broken: string;
  beforeAll(async () => {
    git = await startGitServer();
    first = await git.commit({
      message: 'fleet',
      files: {
        'clusters/web-1/settings.yaml': cm('settings', '  color: blue\n'),
        'clusters/web-1/old.yaml': cm('old', '  a: "1"\n'),
      },
    });
    h = await startHarness({ FLEET_REPO_URL: git.url, FLEET_POLL_INTERVAL_SECONDS: '3600' });
    await eventually(
      async () => (await h.gql('{ fleetRepo { headRevision } }')).data.fleetRepo.headRevision === first,
      8000,
      'first poll',
    );
    agent = await registerAgent(h, (await createRegistrationToken(h)).token, 'web-1');
    second = await git.commit({
      message: 'red, new, no old',
      files: {
        'clusters/web-1/settings.yaml': cm('settings', '  color: red\n'),
        'clusters/web-1/old.yaml': null,
        'clusters/web-1/new.yaml': cm('new', '  b: "2"\n'),
      },
    });
    broken = await git.commit({ message: 'broken', files: { 'clusters/web-1/bad.yaml': 'kind: [unclosed\n' } });
    cli = cliRunner({ FLOTILLA_SERVER: h.cp.url, FLOTILLA_TOKEN: ADMIN_TOKEN });
  }, scaled(60_000));
  afterAll(async () => {
    await agent?.close();
    await h?.close();
    await git?.close();
    cli?.close();
  });

  it(
    'prints a header and a unified diff per added, removed and changed object, exit 0',
    { timeout: scaled(60_000) },
    async () => {
      const [plain, json, colored] = await runAll(
        [[], ['--json'], ['--server', h.cp.url]].map((extra) => [
          'diff',
          '--cluster',
          'web-1',
          '--revision',
          second.slice(0, 10),
          ...extra,
        ]),
        (args) => cli.run(args, args.includes('--server') ? { env: { NO_COLOR: '', FORCE_COLOR: '1' } } : {}),
      );
      expect(plain.code, plain.stderr).toBe(0);
      expect(plain.stdout).toContain(
        `Cluster web-1 (clusters/web-1): ${first.slice(0, 12)} -> ${second.slice(0, 12)}\n`,
      );
      expect(plain.stdout).toContain(
        '+ ConfigMap web/new (v1) added\n--- a/ConfigMap/web/new\n+++ b/ConfigMap/web/new\n',
      );
      expect(plain.stdout).toContain('- ConfigMap web/old (v1) removed\n');
      expect(plain.stdout).toMatch(
        /~ ConfigMap web\/settings \(v1\) changed\n--- a\/ConfigMap\/web\/settings\n\+\+\+ b\/ConfigMap\/web\/settings\n@@[^\n]*@@\n(.*\n)*- {2}color: blue\n\+ {2}color: red\n/,
      );
      expect(plain.stdout).toContain('3 object(s): 1 added, 1 removed, 1 changed');
      expect(plain.stdout).not.toContain('\u001b[');
      expect(json.code, json.stderr).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({
        cluster: 'web-1',
        fromRevision: first,
        toRevision: second,
        renderError: null,
        objects: [
          { name: 'new', change: 'ADDED' },
          { name: 'old', change: 'REMOVED' },
          { name: 'settings', change: 'CHANGED' },
        ],
      });
      expect(colored.code, colored.stderr).toBe(0);
      expect(colored.stdout).toContain('\u001b[31m-  color: blue\u001b[0m\n\u001b[32m+  color: red\u001b[0m');
      expect(colored.stdout).toContain('\u001b[33m~ ConfigMap web/settings (v1) changed\u001b[0m');
    },
  );

  it(
    'without --cluster lists the clusters a revision changes (the blast radius), with --details their diffs',
    { timeout: scaled(60_000) },
    async () => {
      const [plain, json, details, broke] = await runAll(
        [
          ['--revision', second],
          ['--revision', second, '--json'],
          ['--revision', second, '--details'],
          ['--revision', 'main'],
        ].map((extra) => ['diff', ...extra]),
        (args) => cli.run(args),
      );
      expect(plain.code, plain.stderr).toBe(0);
      expect(plain.stdout).toContain(`Revision ${second.slice(0, 12)}: 1 of 1 cluster(s) change\n`);
      expect(plain.stdout).toContain(
        `~ web-1  +1 ~1 -1     clusters/web-1 (${first.slice(0, 12)} -> ${second.slice(0, 12)})\n`,
      );
      expect(plain.stdout).toContain('0 cluster(s) unchanged');
      expect(plain.stdout).not.toContain('--- a/ConfigMap');
      expect(JSON.parse(json.stdout)).toMatchObject({
        toRevision: second,
        clusters: 1,
        unchanged: 0,
        failed: 0,
        entries: [{ cluster: 'web-1', added: 1, changed: 1, removed: 1 }],
      });
      expect(details.code, details.stderr).toBe(0);
      expect(details.stdout).toContain('+ ConfigMap web/new (v1) added\n--- a/ConfigMap/web/new\n');
      expect(broke.code).toBe(1);
      expect(broke.stdout).toContain(`! web-1  does not render at ${broken.slice(0, 12)}: clusters/web-1/bad.yaml:`);
      expect(broke.stderr).toContain(`revision ${broken} does not render for 1 cluster(s)`);
    },
  );

  it('prints "no changes" for the revision the cluster runs, exit 0', { timeout: scaled(30_000) }, async () => {
    const r = await cli.run(['diff', '--cluster', 'web-1', '--revision', first]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('no changes');
  });

  it('exits 1 naming the file when the revision does not render', { timeout: scaled(30_000) }, async () => {
    const r = await cli.run(['diff', '--cluster', 'web-1', '--revision', 'main']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`revision ${broken} does not render: clusters/web-1/bad.yaml:`);
    expect(r.stderr).toContain('(INVALID_YAML)');
  });

  it(
    'exits 2 for usage errors and unknown revisions, 3 without a valid token, 4 for an unknown cluster',
    { timeout: scaled(60_000) },
    async () => {
      const [noRevision, badRevision, badToken, noCluster] = await runAll(
        [
          { args: ['diff', '--cluster', 'web-1'] },
          { args: ['diff', '--cluster', 'web-1', '--revision', 'no-such-branch'] },
          {
            args: ['diff', '--cluster', 'web-1', '--revision', second],
            env: { FLOTILLA_TOKEN: 'wrong-token-0123456789abcdef' },
          },
          { args: ['diff', '--cluster', 'nope', '--revision', second] },
        ],
        (c) => cli.run(c.args, c.env ? { env: c.env } : {}),
      );
      expect([noRevision.code, noRevision.stderr]).toEqual([
        2,
        expect.stringContaining('missing required flag --revision'),
      ]);
      expect(badRevision.code).toBe(2);
      expect(badRevision.stderr).toContain('revision no-such-branch is not a commit or branch of the fleet repository');
      expect(badToken.code).toBe(3);
      expect(noCluster.code).toBe(4);
      expect(noCluster.stderr).toContain('cluster nope does not exist');
    },
  );
});
