import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubeSim, type KubeSim } from '@flotilla/kube-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig as loadAgentConfig, registrationToken } from '../../apps/agent/src/config.js';
import { byKind, kubectl, kubectlPath, one, parseObjects, REPO_ROOT, type KubeObject } from './support/kubectl.js';

describe('infra/agent manifests', () => {
  let bin: string;
  let sim: KubeSim;
  let dir: string;
  let rendered: string;
  let objects: KubeObject[];
  const k = (args: string[]) =>
    kubectl(bin, ['--kubeconfig', sim.kubeconfigPath, '--cache-dir', join(dir, 'cache'), ...args]);

  beforeAll(async () => {
    bin = await kubectlPath();
    dir = mkdtempSync(join(tmpdir(), 'flotilla-infra-'));
    sim = await startKubeSim({
      name: 'infra-test',
      kubeconfigPath: join(dir, 'kubeconfig'),
      simulate: { delayMs: 20 },
    });
    rendered = await kubectl(bin, ['kustomize', join(REPO_ROOT, 'infra', 'agent')]);
    objects = parseObjects(rendered);
  });
  afterAll(async () => {
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('renders with kustomize into the flotilla-system namespace', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [
        'ClusterRole/flotilla-agent',
        'ClusterRoleBinding/flotilla-agent',
        'Deployment/flotilla-agent',
        'Namespace/flotilla-system',
        'Secret/flotilla-agent-registration',
        'ServiceAccount/flotilla-agent',
        ...byKind(objects, 'ConfigMap').map((c) => `ConfigMap/${c.metadata.name}`),
      ].sort(),
    );
    expect(
      byKind(objects, 'ConfigMap')
        .map((c) => c.metadata.name.replace(/-[a-z0-9]{10}$/, ''))
        .sort(),
    ).toEqual(['flotilla-agent-kubeconfig', 'flotilla-agent-settings']);
    for (const o of objects.filter((x) => !['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(x.kind)))
      expect(o.metadata.namespace, o.kind).toBe('flotilla-system');
  });

  it('binds one cluster-admin-equivalent ClusterRole to the agent ServiceAccount (see rbac.yaml for why)', () => {
    const role = one(objects, 'ClusterRole', 'flotilla-agent');
    expect(role.rules).toEqual([
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['*'], verbs: ['*'] },
    ]);
    const binding = one(objects, 'ClusterRoleBinding', 'flotilla-agent');
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'flotilla-agent',
    });
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'flotilla-agent', namespace: 'flotilla-system' },
    ]);
  });

  it('is accepted by server-side apply, and every object exists afterwards', async () => {
    writeFileSync(join(dir, 'agent.yaml'), rendered);
    const out = await k([
      'apply',
      '--server-side',
      '--field-manager',
      'flotilla-install',
      '-f',
      join(dir, 'agent.yaml'),
    ]);
    expect(out.trim().split('\n')).toHaveLength(objects.length);
    for (const o of objects) {
      const ns = o.metadata.namespace ? ['-n', o.metadata.namespace] : [];
      const group = o.apiVersion.includes('/') ? `.${o.apiVersion.split('/')[0]}` : '';
      const live = JSON.parse(
        await k(['get', `${o.kind.toLowerCase()}${group}`, o.metadata.name, ...ns, '-o', 'json']),
      );
      expect(live.metadata.uid, `${o.kind}/${o.metadata.name}`).toBeTruthy();
      expect(live.metadata.labels?.['app.kubernetes.io/part-of']).toBe('flotilla');
    }
    const again = await k([
      'apply',
      '--server-side',
      '--field-manager',
      'flotilla-install',
      '-f',
      join(dir, 'agent.yaml'),
    ]);
    expect(again).toContain('serverside-applied');
  });

  it('runs the Deployment as a non-root agent whose volumes point at objects that exist', async () => {
    const deploy = JSON.parse(await k(['get', 'deployment', 'flotilla-agent', '-n', 'flotilla-system', '-o', 'json']));
    const pod = deploy.spec.template.spec;
    expect(pod.serviceAccountName).toBe('flotilla-agent');
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(deploy.spec.replicas).toBe(1);
    // Leader election: a new pod stands by until the old one releases the Lease.
    expect(deploy.spec.strategy.type).toBe('RollingUpdate');
    expect(pod.containers[0].args).toEqual(
      expect.arrayContaining(['--leader-elect=true', '--state-secret=flotilla-agent-state']),
    );
    expect(pod.volumes.find((v: { name: string }) => v.name === 'cache')).toEqual({
      name: 'cache',
      emptyDir: { sizeLimit: '1Gi' },
    });
    const names = (await k(['get', 'configmaps,secrets,persistentvolumeclaims', '-n', 'flotilla-system', '-o', 'name']))
      .trim()
      .split('\n');
    for (const v of pod.volumes as {
      name: string;
      configMap?: { name: string };
      secret?: { secretName: string };
      persistentVolumeClaim?: { claimName: string };
    }[]) {
      if (v.configMap) expect(names).toContain(`configmap/${v.configMap.name}`);
      if (v.secret) expect(names).toContain(`secret/${v.secret.secretName}`);
      if (v.persistentVolumeClaim)
        expect(names).toContain(`persistentvolumeclaim/${v.persistentVolumeClaim.claimName}`);
    }
    const envFrom = pod.containers[0].envFrom.map(
      (e: { configMapRef: { name: string } }) => `configmap/${e.configMapRef.name}`,
    );
    for (const ref of envFrom) expect(names).toContain(ref);
  });

  it('gives the agent flags and settings its own configuration loader accepts', () => {
    const deploy = one(objects, 'Deployment');
    const container = deploy.spec.template.spec.containers[0];
    const settings = one(objects, 'ConfigMap', container.envFrom[0].configMapRef.name).data as Record<string, string>;
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, Buffer.from(one(objects, 'Secret').data.token, 'base64'));
    const args = (container.args as string[]).map((a) =>
      a.replace('/etc/flotilla/registration/token', tokenFile).replace('/var/lib/flotilla', join(dir, 'state')),
    );
    const config = loadAgentConfig(args, settings)!;
    expect(config).toMatchObject({
      name: 'my-cluster',
      server: 'https://flotilla.example.com',
      stateDir: join(dir, 'state'),
      tokenFile,
    });
    expect(registrationToken(config)).toBe('REPLACE_WITH_A_REGISTRATION_TOKEN');
    expect(config.kubeconfig).toBe('/etc/flotilla/kubeconfig/kubeconfig');
    const mounts = container.volumeMounts.map((m: { mountPath: string }) => m.mountPath);
    for (const path of ['/var/lib/flotilla', '/etc/flotilla/registration', '/etc/flotilla/kubeconfig'])
      expect(mounts).toContain(path);
  });
});
