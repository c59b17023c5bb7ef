/**
 * The web dashboard driven by a real browser (Debian's Chromium through playwright-core)
 * against a real control plane with a small fleet of protocol-level agents: log in, see the
 * fleet as tiles, filter by tag, open a cluster with its objects, drift and sync history,
 * start a rollout by tag and watch it complete, manage registration tokens, read the audit log. Screenshots go to test-results/dashboard/.
 */
import { runGit, startGitServer, type GitServer, scaled } from '@flotilla/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, registerAgent } from '../../apps/control-plane/test/support/agent.js';
import { ADMIN_TOKEN, startHarness, type Harness } from '../../apps/control-plane/test/support/harness.js';
import { driftReport, syncReport } from '../../apps/control-plane/test/support/reports.js';
import { launchBrowser, type Browser } from '../../apps/web/test/browser.js';
import { commitFleet, configMap, FLEET, startFakeFleet, type FakeFleet } from '../../apps/web/test/fake-fleet.js';

describe('web dashboard', () => {
  let git: GitServer;
  let h: Harness;
  let head: string;
  let b: Browser;
  let fleet: FakeFleet;

  beforeAll(async () => {
    git = await startGitServer();
    head = await commitFleet(git);
    // Polled once at boot only: the rollout test starts its rollout by hand, not by a poll seeing a commit.
    h = await startHarness({ FLEET_REPO_URL: git.url, FLEET_POLL_INTERVAL_SECONDS: '3600' });
    await eventually(
      async () => (await h.gql('{ fleetRepo { headRevision } }')).data?.fleetRepo.headRevision === head,
      10_000,
      'first poll',
    );
    fleet = await startFakeFleet(h, head);
    b = await launchBrowser();
  });

  afterAll(async () => {
    await b?.close();
    await fleet?.close();
    await h?.close();
    await git?.close();
  });

  const page = () => b.page;
  const login = async (token: string) => {
    await page().goto(h.cp.url);
    await page().fill('#token', token);
    await page().click('button[type=submit]');
  };
  const tileNames = async () =>
    (
      await page()
        .locator('.tile')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-cluster')))
    ).sort();

  it('refuses a wrong token with the reason and keeps the user on the login page', async () => {
    await login('not-a-real-token-0000000000000000');
    await expect(page().locator('.login .error').textContent()).resolves.toMatch(
      /invalid, revoked or unknown API token/,
    );
    await expect(page().locator('#topbar').isHidden()).resolves.toBe(true);
  });

  it('logs in and shows every cluster as a tile coloured by sync, health and connection, with counts per state', async () => {
    await login(ADMIN_TOKEN);
    await page().waitForSelector('.tile');
    expect(await tileNames()).toEqual(FLEET.map((c) => c.name).sort());
    const tile = (name: string) => page().locator(`.tile[data-cluster="${name}"]`);
    await expect(tile('canary-1').getAttribute('class')).resolves.toContain('fill-ok');
    await expect(tile('canary-2').getAttribute('class')).resolves.toContain('stripe-busy');
    await expect(tile('edge-eu-2').getAttribute('class')).resolves.toContain('fill-bad');
    await expect(tile('edge-us-2').getAttribute('class')).resolves.toContain('fill-off');
    await expect(page().locator('.count-total strong').textContent()).resolves.toBe('8');
    await expect(page().locator('.count-online strong').textContent()).resolves.toBe('7');
    await expect(page().locator('.count-pending strong').textContent()).resolves.toBe('1');
    await expect(page().locator('#whoami').textContent()).resolves.toContain('admin');
    await b.screenshot('01-fleet');
  });

  it('filters the fleet by tag and by connection state on the server', async () => {
    await page().click('.chip[data-tag="edge-eu"]');
    await eventually(
      async () => (await tileNames()).join() === 'edge-eu-1,edge-eu-2,edge-eu-3',
      5000,
      'edge-eu tiles only',
    );
    await expect(page().locator('.page-status').textContent()).resolves.toContain('Showing 3 of 3');
    await b.screenshot('02-fleet-edge-eu');
    await page().click('.chip[data-tag="edge-eu"]');
    await page().click('.count-pending');
    await eventually(async () => (await tileNames()).join() === 'edge-us-2', 5000, 'the pending cluster only');
    await page().click('.count-total');
    await eventually(async () => (await tileNames()).length === FLEET.length, 5000, 'all tiles again');
  });

  it('recolours a tile live when its cluster reports, without reloading the page', async () => {
    const tile = page().locator('.tile[data-cluster="cloud-1"]');
    await expect(tile.getAttribute('class')).resolves.toContain('fill-ok');
    const a = fleet.agents.get('cloud-1')!;
    await a.report(
      'sync',
      syncReport(a.clusterId, 50, head, {
        state: 'Failed',
        appliedRevision: undefined,
        objects: [],
        error: {
          stage: 'apply',
          code: 'APPLY_FAILED',
          reason: 'admission webhook denied the request',
          retryable: true,
        },
      }),
    );
    await eventually(
      async () => (await tile.getAttribute('class'))?.includes('fill-bad'),
      10_000,
      'cloud-1 tile turns red',
    );
    await expect(page().locator('.sync-bar').innerText()).resolves.toContain('2 failed');
  });

  it('opens a cluster: revision, objects with last action and health, drift and sync history', async () => {
    await page().click('.tile[data-cluster="edge-eu-1"]');
    await page().waitForSelector('.cluster h1');
    await expect(page().locator('.cluster h1').textContent()).resolves.toBe('edge-eu-1');
    const text = await page().locator('.cluster').innerText();
    expect(text).toContain(head.slice(0, 8));
    expect(text).toMatch(/Deployment\s+web\s+api\s+created\s+healthy/i);
    const drift = await page().locator('.drift-row').innerText();
    expect(drift).toMatch(/Deployment web\/api/);
    expect(drift).toContain('spec.replicas');
    expect(drift).toContain('kubectl-scale');
    expect(drift).toMatch(/reverted/i);
    expect(text).toMatch(/Sync history[\s\S]*synced/i);
    await b.screenshot('03-cluster-edge-eu-1');
  });

  it('previews a pull request branch on a cluster page: the rendered diff, and the render warnings', async () => {
    await runGit(['update-ref', 'refs/heads/pr-dashboard', head], { cwd: git.repoPath });
    await git.commit({
      message: 'pr: edge-eu-1 to 9.9, with a patch that matches nothing',
      branch: 'pr-dashboard',
      files: {
        'clusters/edge-eu-1/app.yaml': configMap('edge-eu-1', '9.9'),
        'clusters/edge-eu-1/kustomization.yaml':
          'resources: [app.yaml]\npatches:\n  - target: {kind: Secret}\n    patch: |-\n      - {op: remove, path: /data}\n',
      },
    });
    await page().goto(`${h.cp.url}/#/clusters/edge-eu-1`);
    await page().waitForSelector('#preview-revision');
    await page().fill('#preview-revision', 'pr-dashboard');
    await page().click('.preview-form button');
    await page().waitForSelector('.object-diff');
    const result = await page().locator('.preview-result').innerText();
    expect(result).toContain('0 added, 1 changed, 0 removed');
    expect(result).toMatch(/Warning: clusters\/edge-eu-1\/kustomization\.yaml: patches\[0\].*matches no resource/);
    await page().click('.object-diff summary');
    const diff = await page().locator('.object-diff pre.diff').innerText();
    expect(diff).toContain('+  version: "9.9"');
    await b.screenshot('03b-cluster-preview');
  });

  it('shows why a failed cluster failed', async () => {
    await page().goto(`${h.cp.url}/#/clusters/edge-eu-2`);
    await page().waitForSelector('.cluster h1');
    await expect(page().locator('.cluster .error').first().textContent()).resolves.toContain(
      'render failed (INVALID_YAML): bad indentation at line 3',
    );
  });

  it('redraws a cluster live when a new drift event arrives over the subscription', async () => {
    await page().goto(`${h.cp.url}/#/clusters/canary-1`);
    await page().waitForSelector('.cluster h1');
    await expect(page().locator('.drift-row').count()).resolves.toBe(0);
    const a = fleet.agents.get('canary-1')!;
    await a.report(
      'drift',
      driftReport(a.clusterId, 1, head, {
        object: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name: 'settings' },
        managers: ['kubectl-edit'],
        fields: ['data.mode'],
        resolution: 'reported',
        revertedAt: undefined,
        revertLatencyMs: undefined,
      }),
    );
    await page().waitForSelector('.drift-row', { timeout: scaled(10_000) });
    await expect(page().locator('.drift-row').innerText()).resolves.toMatch(
      /ConfigMap web\/settings[\s\S]*kubectl-edit[\s\S]*reported/i,
    );
  });

  it('starts a rollout by tag, pauses and resumes it, watches its waves complete live, and rolls it back', async () => {
    const eu = FLEET.filter((c) => (c.tags as readonly string[]).includes('eu')).map((c) => c.name);
    const next = await git.commit({
      files: Object.fromEntries(eu.map((n) => [`clusters/${n}/app.yaml`, configMap(n, '2')])),
      message: 'v2 for eu',
    });
    await page().goto(`${h.cp.url}/#/rollouts`);
    await page().waitForSelector('form.form-row');
    await page().fill('input[name=revision]', next);
    await page().selectOption('select[name=tag]', 'eu');
    await page().click('form.form-row button[type=submit]');
    await page().waitForSelector('.rollout .wave');
    const waves = page().locator('.wave');
    await expect(
      waves.evaluateAll((els) =>
        els.map((e) => `${e.getAttribute('data-wave')}:${e.querySelectorAll('.cluster-state').length}`),
      ),
    ).resolves.toEqual(['canary:1', 'edge-eu:3']);
    await expect(page().locator('.rollout-phase').textContent()).resolves.toBe('running');
    await page().click('button[data-command=pause]');
    await page().waitForSelector('.rollout-phase >> text=paused');
    await b.screenshot('06-rollout-paused');
    await page().click('button[data-command=resume]');
    await page().waitForSelector('.rollout-phase >> text=running');
    // The agents now follow: the page (never reloaded) moves wave by wave to the end.
    const stop = fleet.followDesired();
    try {
      await page().waitForSelector('.wave[data-wave="canary"][data-phase="PASSED"]', { timeout: scaled(20_000) });
      await page().waitForSelector('.rollout-phase >> text=succeeded', { timeout: scaled(20_000) });
      await expect(page().locator('.wave[data-wave="edge-eu"]').getAttribute('data-phase')).resolves.toBe('PASSED');
      await expect(page().locator('.cluster-state[data-phase="SUCCEEDED"]').count()).resolves.toBe(4);
      await expect(
        page()
          .locator('button[data-command]')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-command'))),
      ).resolves.toEqual(['rollback']);
      await b.screenshot('07-rollout-succeeded');
      // Roll back: a revert commit in Git, rolled out to the clusters that got the change.
      await page().click('button[data-command=rollback]');
      await page().waitForSelector('.rollout-phase >> text=rolled back', { timeout: scaled(30_000) });
    } finally {
      stop();
    }
    await expect(page().locator('.rollout .muted').first().textContent()).resolves.toMatch(/revert commit [0-9a-f]{8}/);
    await expect(
      page()
        .locator('.cluster-state')
        .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-rollback')} ${e.textContent}`)),
    ).resolves.toEqual(
      ['canary-1', 'edge-eu-1', 'edge-eu-2', 'edge-eu-3'].map((n) => `SUCCEEDED ${n}rollback succeeded`),
    );
    await b.screenshot('08-rollout-rolled-back');
    await page().goto(`${h.cp.url}/#/rollouts`);
    await page().waitForSelector('.rollout-row');
    await expect(page().locator('.rollout-row').first().innerText()).resolves.toMatch(
      /rolled back[\s\S]*2 \/ 2 waves · 4 clusters/,
    );
    await b.screenshot('09-rollouts');
  });

  it('creates a registration token showing its secret once, and revokes it', async () => {
    await page().goto(`${h.cp.url}/#/tokens`);
    await page().waitForSelector('form.form-row');
    await page().fill('input[name=name]', 'dashboard-made');
    await page().fill('input[name=tags]', 'edge-eu, canary');
    await page().fill('input[name=maxUses]', '3');
    await page().click('form.form-row button[type=submit]');
    const secret = (await page().locator('#new-token-secret').textContent())!;
    const row = page().locator('tr[data-token="dashboard-made"]');
    await expect(row.innerText()).resolves.toMatch(/edge-eu\s*canary[\s\S]*0 \/ 3[\s\S]*active/);
    await b.screenshot('04-tokens');
    // The secret works once shown: an agent can register with it.
    await (await registerAgent(h, secret, 'from-dashboard')).close();
    await row.locator('button', { hasText: 'Revoke' }).click();
    await eventually(async () => /revoked/.test(await row.innerText()), 5000, 'token shown revoked');
    // Reloading never shows a secret again.
    await page().reload();
    await page().waitForSelector('tr[data-token="dashboard-made"]');
    await expect(page().locator('#new-token-secret').count()).resolves.toBe(0);
    expect(await page().content()).not.toContain(secret);
  });

  it('creates a token that requires approval; the cluster it registers waits until an admin approves it, and can be suspended and resumed', async () => {
    await page().goto(`${h.cp.url}/#/tokens`);
    await page().waitForSelector('form.form-row');
    await page().fill('input[name=name]', 'gated');
    await page().fill('input[name=clusterName]', 'gated-1');
    await page().check('input[name=requireApproval]');
    await page().click('form.form-row button[type=submit]');
    const secret = (await page().locator('#new-token-secret').textContent())!;
    await expect(page().locator('tr[data-token="gated"]').innerText()).resolves.toMatch(
      /only gated-1, approval required/,
    );
    await expect(registerAgent(h, secret, 'gated-2')).rejects.toThrow(/403/);
    await (await registerAgent(h, secret, 'gated-1')).close();

    await page().goto(`${h.cp.url}/#/clusters/gated-1`);
    await page().waitForSelector('.cluster h1');
    await expect(page().locator('.head-pills').innerText()).resolves.toMatch(/awaiting approval/i);
    await b.screenshot('04b-awaiting-approval');
    await page().click('button[data-action=approveCluster]');
    await page().waitForSelector('button[data-action=approveCluster]', { state: 'detached' });
    await expect(page().locator('.head-pills').innerText()).resolves.not.toMatch(/awaiting approval/i);
    page().once('dialog', (d) => void d.accept());
    await page().click('button[data-action=suspendCluster]');
    await page().waitForSelector('button[data-action=resumeCluster]');
    await expect(page().locator('.head-pills').innerText()).resolves.toMatch(/suspended/i);
    await page().click('button[data-action=resumeCluster]');
    await page().waitForSelector('button[data-action=suspendCluster]');
    const audit = (await h.gql('{ auditLog(first: 10) { edges { node { action } } } }')).data.auditLog.edges.map(
      (e: any) => e.node.action,
    );
    expect(audit.slice(0, 3)).toEqual(['cluster.resume', 'cluster.suspend', 'cluster.approve']);
  });

  it('lists the changes made in the audit log', async () => {
    await page().goto(`${h.cp.url}/#/audit`);
    await page().waitForSelector('.card table');
    const text = await page().locator('.card table').innerText();
    expect(text).toMatch(/registrationToken\.revoke|registration-token\.revoke|revoke/i);
    await b.screenshot('05-audit');
  });

  it('offers a viewer only what a viewer may do', async () => {
    const viewer = await h.gql(`mutation { createApiToken(input: { name: "look only", role: VIEWER }) { token } }`);
    await page().click('#logout');
    await login(viewer.data.createApiToken.token);
    await page().waitForSelector('.tile');
    await expect(page().locator('#nav a').allTextContents()).resolves.toEqual(['Fleet', 'Rollouts']);
    await page().click('.tile[data-cluster="canary-1"]');
    await page().waitForSelector('.cluster h1');
    await expect(page().locator('button', { hasText: 'Sync now' }).count()).resolves.toBe(0);
    await page().goto(`${h.cp.url}/#/rollouts`);
    await page().waitForSelector('.rollout-row');
    await expect(page().locator('form.form-row').count()).resolves.toBe(0);
    await page().click('.rollout-row a');
    await page().waitForSelector('.rollout .wave');
    await expect(page().locator('.rollout .actions button').count()).resolves.toBe(0);
    await page().goto(`${h.cp.url}/#/tokens`);
    await expect(page().locator('main .error').textContent()).resolves.toContain(
      'needs the admin role; your token has viewer',
    );
  });

  it('loads everything from the control plane itself, with no script errors', () => {
    const origin = new URL(h.cp.url);
    const foreign = b.requests.filter((u) => new URL(u).host !== origin.host && !u.startsWith('data:'));
    expect(foreign).toEqual([]);
    expect(b.requests.some((u) => u.endsWith('/vendor/graphql-ws/client.js'))).toBe(true);
    expect(b.requests.some((u) => u.startsWith(`ws://${origin.host}/graphql`))).toBe(true);
    expect(b.errors.filter((e) => !/status of 40[13]/.test(e))).toEqual([]);
  });
});
