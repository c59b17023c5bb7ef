import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { startKubeSim, type KubeSim } from '@flotilla/kube-sim';
import { freePort, startNatsServer, type NatsServerProcess } from '@flotilla/local-infra';
import { credsAuthenticator } from '@flotilla/nats-auth';
import { subjects } from '@flotilla/protocol';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig as loadControlPlaneConfig } from '../../apps/control-plane/src/config/load-config.js';
import { generateNatsSecrets } from '../nats/generate-secrets.js';
import { kubectl, kubectlPath, one, parseObjects, REPO_ROOT, type KubeObject } from './support/kubectl.js';
import { restrictedViolations } from './support/restricted.js';
import { scaled } from '@flotilla/testing';

describe('infra/control-plane manifests and the generated NATS configuration', () => {
  let dir: string;
  let bin: string;
  let sim: KubeSim;
  let objects: KubeObject[];
  let secretEnv: Record<string, string>;
  let nats: NatsServerProcess | undefined;
  let natsUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flotilla-infra-cp-'));
    bin = await kubectlPath();
    sim = await startKubeSim({ name: 'infra-cp', kubeconfigPath: join(dir, 'kubeconfig'), simulate: false });
    objects = parseObjects(await kubectl(bin, ['kustomize', join(REPO_ROOT, 'infra', 'control-plane')]));
    const [port, httpPort] = [await freePort(), await freePort()];
    natsUrl = `nats://127.0.0.1:${port}`;
    const files = await generateNatsSecrets({
      outDir: join(dir, 'nats'),
      host: '127.0.0.1',
      port,
      httpPort,
      storeDir: join(dir, 'jetstream'),
    });
    secretEnv = parseEnv(readFileSync(files.controlPlaneEnv, 'utf8')) as Record<string, string>;
    nats = await startNatsServer({
      confPath: files.natsConf,
      httpPort,
      readyCheck: {
        url: natsUrl,
        jwt: secretEnv['NATS_HUB_JWT']!,
        seed: secretEnv['NATS_HUB_SEED']!,
        inboxPrefix: subjects.hubInboxPrefix,
      },
    });
  });
  afterAll(async () => {
    await nats?.stop();
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('applies the control plane manifests server-side to a cluster', async () => {
    writeFileSync(join(dir, 'cp.yaml'), objects.map((o) => JSON.stringify(o)).join('\n---\n'));
    const k = (args: string[]) =>
      kubectl(bin, ['--kubeconfig', sim.kubeconfigPath, '--cache-dir', join(dir, 'cache'), ...args]);
    await k(['apply', '--server-side', '-f', join(dir, 'cp.yaml')]);
    const names = (await k(['get', 'deployments,services,serviceaccounts,configmaps', '-n', 'flotilla', '-o', 'name']))
      .trim()
      .split('\n');
    expect(names).toEqual(
      expect.arrayContaining([
        'deployment.apps/flotilla-control-plane',
        'service/flotilla-control-plane',
        'serviceaccount/flotilla-control-plane',
      ]),
    );
    const deploy = JSON.parse(await k(['get', 'deployment', 'flotilla-control-plane', '-n', 'flotilla', '-o', 'json']));
    const container = deploy.spec.template.spec.containers[0];
    expect(names).toContain(`configmap/${container.envFrom[0].configMapRef.name}`);
    expect(container.envFrom[1]).toEqual({ secretRef: { name: 'flotilla-control-plane' } });
    expect(deploy.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    // Two replicas kept serving by a PodDisruptionBudget; Pod Security restricted / restricted-v2.
    expect(deploy.spec.replicas).toBe(2);
    expect(restrictedViolations(deploy.spec.template.spec)).toEqual([]);
    const pdb = JSON.parse(
      await k(['get', 'poddisruptionbudget', 'flotilla-control-plane', '-n', 'flotilla', '-o', 'json']),
    );
    expect(pdb.spec.selector).toEqual(deploy.spec.selector);
    expect(container.livenessProbe.httpGet.path).toBe('/livez');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    const service = JSON.parse(await k(['get', 'service', 'flotilla-control-plane', '-n', 'flotilla', '-o', 'json']));
    expect(service.spec.selector).toEqual(deploy.spec.selector.matchLabels);
    expect(container.ports[0]).toMatchObject({
      name: 'http',
      containerPort: Number(container.env.find((e: { name: string }) => e.name === 'PORT').value),
    });
  });

  it('gives the control plane settings plus generated secrets that its config schema accepts', () => {
    const deploy = one(objects, 'Deployment');
    const container = deploy.spec.template.spec.containers[0];
    const settings = one(objects, 'ConfigMap').data as Record<string, string>;
    const env = Object.fromEntries((container.env as { name: string; value: string }[]).map((e) => [e.name, e.value]));
    const config = loadControlPlaneConfig({
      ...env,
      ...settings,
      ...secretEnv,
      DATABASE_URL: 'postgres://flotilla@db:5432/flotilla',
    });
    expect(config.NATS_URL).toBe('nats://nats.flotilla.svc:4222');
    expect(config.PORT).toBe(3000);
    expect(config.NATS_OPERATOR_SEED).toMatch(/^SO/);
  });

  it('writes the generated secrets with mode 0600', () => {
    for (const f of ['nats-server.conf', 'control-plane.secret.env', 'trust.json'])
      expect(statSync(join(dir, 'nats', f)).mode & 0o777, f).toBe(0o600);
  });

  it('runs nats-server in JWT mode: the hub user gets in, a client without credentials does not', async () => {
    const hub = await connect({
      servers: natsUrl,
      authenticator: credsAuthenticator(secretEnv['NATS_HUB_JWT']!, secretEnv['NATS_HUB_SEED']!),
      inboxPrefix: subjects.hubInboxPrefix,
      reconnect: false,
    });
    try {
      expect(hub.info?.server_id).toBeTruthy();
    } finally {
      await hub.close();
    }
    await expect(connect({ servers: natsUrl, reconnect: false, timeout: scaled(3000) })).rejects.toThrow(
      /Authorization Violation/i,
    );
  });
});
