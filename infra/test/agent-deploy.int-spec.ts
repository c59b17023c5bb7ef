import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubeSim, type KubeSim } from '@flotilla/kube-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, startAgent, type RunningAgent } from '../../apps/agent/src/index.js';
import { eventually } from '../../apps/control-plane/test/support/agent.js';
import { createRegistrationToken, startHarness, type Harness } from '../../apps/control-plane/test/support/harness.js';
import { kubectl, kubectlPath, REPO_ROOT } from './support/kubectl.js';
import { scaled } from '@flotilla/testing';

// The agent base as an operator would use it: agent.env and registration.env filled in, applied
// to a cluster; then the agent runs with exactly the flags, settings and token the cluster holds
// (only the file paths inside the pod are mapped to local ones, and the in-cluster kubeconfig to
// the kube-sim one) and registers with a real control plane.
/** Its tests wait on a control plane, agents and git: a deadline that stretches with the load. */
const SLOW = { timeout: scaled(60_000) };

describe('an agent configured from the applied infra/agent manifests', SLOW, () => {
  let dir: string;
  let h: Harness;
  let sim: KubeSim;
  let bin: string;
  let agent: RunningAgent | undefined;
  const k = (args: string[]) =>
    kubectl(bin, ['--kubeconfig', sim.kubeconfigPath, '--cache-dir', join(dir, 'cache'), ...args]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flotilla-agent-deploy-'));
    bin = await kubectlPath();
    [h, sim] = await Promise.all([
      startHarness({ HEARTBEAT_INTERVAL_SECONDS: '1' }),
      startKubeSim({ name: 'deploy', kubeconfigPath: join(dir, 'kubeconfig'), simulate: false }),
    ]);
  }, scaled(60_000));
  afterAll(async () => {
    await agent?.stop();
    await sim?.close();
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('registers with the token from the Secret and goes Online with the name from the ConfigMap', async () => {
    const { token } = await createRegistrationToken(h, { name: 'infra', tags: ['edge-eu'] });
    const base = join(dir, 'agent');
    cpSync(join(REPO_ROOT, 'infra', 'agent'), base, { recursive: true });
    writeFileSync(
      join(base, 'agent.env'),
      `FLOTILLA_NAME=deployed-1\nFLOTILLA_SERVER=${h.cp.url}\nFLOTILLA_REGION=eu-west-1\nFLOTILLA_LOG_LEVEL=info\n`,
    );
    writeFileSync(join(base, 'registration.env'), `token=${token}\n`);
    await k(['apply', '--server-side', '-k', base]);

    const deploy = JSON.parse(await k(['get', 'deployment', 'flotilla-agent', '-n', 'flotilla-system', '-o', 'json']));
    const container = deploy.spec.template.spec.containers[0];
    const settings = JSON.parse(
      await k(['get', 'configmap', container.envFrom[0].configMapRef.name, '-n', 'flotilla-system', '-o', 'json']),
    ).data as Record<string, string>;
    const secretName = deploy.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'registration').secret
      .secretName as string;
    const secret = JSON.parse(await k(['get', 'secret', secretName, '-n', 'flotilla-system', '-o', 'json']));
    writeFileSync(join(dir, 'token'), Buffer.from(secret.data.token, 'base64'));

    const local: Record<string, string> = {
      '/var/lib/flotilla': join(dir, 'state'),
      '/etc/flotilla/registration/token': join(dir, 'token'),
      '/etc/flotilla/kubeconfig/kubeconfig': sim.kubeconfigPath,
    };
    const args = (container.args as string[]).map((a) =>
      a.replace(/=(.*)$/, (_m, path: string) => `=${local[path] ?? path}`),
    );
    const config = loadConfig(args, settings)!;
    agent = await startAgent({ ...config, logLevel: 'silent' });
    expect(agent.registered).toBe(true);
    const cluster = await eventually(
      async () => {
        const c = (await h.gql('{ cluster(name: "deployed-1") { connection tags facts { region } } }')).data?.cluster;
        return c?.connection === 'ONLINE' ? c : undefined;
      },
      20_000,
      'deployed-1 online',
    );
    expect(cluster).toEqual({ connection: 'ONLINE', tags: ['edge-eu'], facts: { region: 'eu-west-1' } });
    // No PersistentVolume: the credential is in the agent's own Secret in its namespace.
    expect(config.stateSecret).toBe('flotilla-agent-state');
    const state = JSON.parse(await k(['get', 'secret', 'flotilla-agent-state', '-n', 'flotilla-system', '-o', 'json']));
    expect(JSON.parse(Buffer.from(state.data['credential.json'], 'base64').toString()).clusterId).toBe(agent.clusterId);
  });
});
