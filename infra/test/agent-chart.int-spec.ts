/**
 * The agent installed as a platform team would: `helm template` of infra/charts/flotilla-agent
 * (and `kubectl kustomize` of infra/agent) rendered with the pinned real helm and kubectl,
 * checked against Pod Security "restricted" / OpenShift "restricted-v2", applied with the real
 * kubectl to a kube-sim that enforces RBAC for the agent's ServiceAccount (escalate/bind checks
 * included); then the agent runs as the chart's pod would — the args, settings and
 * Node options of the rendered Deployment, the token from the rendered Secret, the rendered
 * in-cluster kubeconfig with the ServiceAccount's token file — registers with a real control
 * plane, goes Online and applies a fleet path holding a Role with verbs ["*"], a RoleBinding to
 * admin and a CRD with an object of it. The registration Secret deleted and the pod restarted
 * (empty emptyDir), it comes back on the credential in its state Secret; a second replica
 * stands by and takes over within 30 s when the first is killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAccountIdentity, startKubeSim, type KubeSim } from '@flotilla/kube-sim';
import { scaled, startGitServer, type GitServer } from '@flotilla/testing';
import { AGENT_NODE_OPTIONS } from '../../apps/agent/src/node-options.js';
import { eventually } from '../../apps/control-plane/test/support/agent.js';
import { createRegistrationToken, startHarness, type Harness } from '../../apps/control-plane/test/support/harness.js';
import {
  byKind,
  adminKubectl,
  kubectl,
  kubectlPath,
  one,
  parseObjects,
  REPO_ROOT,
  type KubeObject,
} from './support/kubectl.js';
import { restrictedViolations } from './support/restricted.js';

const CHART = join(REPO_ROOT, 'infra', 'charts', 'flotilla-agent');
const BIN = join(REPO_ROOT, 'apps', 'agent', 'bin', 'flotilla-agent.mjs');
const NS = 'flotilla-system';
const NAME = 'chart-1';
const SA_TOKEN = 'projected-sa-token-of-flotilla-agent-0123456789';

async function helmPath(): Promise<string> {
  const mod = (await import(join(REPO_ROOT, 'scripts', 'setup-kubectl.mjs'))) as { ensureHelm: () => string };
  return mod.ensureHelm();
}

function helm(bin: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((res, rej) =>
    execFile(bin, args, { timeout: scaled(30_000), maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? rej(new Error(`helm ${args.join(' ')} failed: ${stderr || err.message}`)) : res({ stdout, stderr }),
    ),
  );
}

const FLEET: Record<string, string> = {
  [`clusters/${NAME}/namespace.yaml`]: 'apiVersion: v1\nkind: Namespace\nmetadata: { name: team-a }\n',
  [`clusters/${NAME}/rbac.yaml`]: `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: deployer, namespace: team-a }
rules:
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: team-a-admins, namespace: team-a }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin }
subjects:
  - { apiGroup: rbac.authorization.k8s.io, kind: Group, name: team-a }
`,
  [`clusters/${NAME}/crd.yaml`]: `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.example.com }
spec:
  group: example.com
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget, listKind: WidgetList }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true }
---
apiVersion: example.com/v1
kind: Widget
metadata: { name: w1, namespace: team-a }
spec: { size: 3 }
`,
};

interface PodProcess {
  child: ChildProcess;
  out: { text: string };
  exited: Promise<number | null>;
}

/**
 * A control plane polling `git`, and a kube-sim that knows the agent's ServiceAccount token and
 * enforces RBAC for it: what the agent does, the chart's RBAC must allow.
 */
function startHubAndCluster(
  git: GitServer,
  name: string,
  kubeconfigPath: string,
  ns = NS,
): Promise<[Harness, KubeSim]> {
  return Promise.all([
    startHarness({ FLEET_REPO_URL: git.url, FLEET_POLL_INTERVAL_SECONDS: '1', HEARTBEAT_INTERVAL_SECONDS: '1' }),
    startKubeSim({
      name,
      kubeconfigPath,
      simulate: false,
      tokens: [SA_TOKEN],
      rbac: { identities: { [SA_TOKEN]: serviceAccountIdentity(ns, 'flotilla-agent') } },
    }),
  ]);
}

function podOf(objects: KubeObject[]) {
  return one(objects, 'Deployment').spec.template.spec;
}

/**
 * The container's env as the kubelet fills it in: plain values, and `fieldRef: metadata.namespace`
 * (the downward API) as the namespace the Deployment was rendered into.
 */
function podEnv(objects: KubeObject[]): Record<string, string> {
  const deployment = one(objects, 'Deployment');
  const env: Record<string, string> = {};
  for (const e of deployment.spec.template.spec.containers[0].env as {
    name: string;
    value?: string;
    valueFrom?: { fieldRef?: { fieldPath: string } };
  }[]) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace')
      env[e.name] = deployment.metadata.namespace ?? NS;
    else throw new Error(`the test cannot fill in env ${e.name}: ${JSON.stringify(e.valueFrom)}`);
  }
  return env;
}

describe('helm chart and kustomize base of the agent', () => {
  let kubectlBin: string;
  let helmBin: string;
  let dir: string;

  beforeAll(async () => {
    [kubectlBin, helmBin] = await Promise.all([kubectlPath(), helmPath()]);
    dir = mkdtempSync(join(tmpdir(), 'flotilla-chart-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const template = async (set: string[]) =>
    parseObjects(
      (
        await helm(helmBin, [
          'template',
          'flotilla-agent',
          CHART,
          '--namespace',
          NS,
          ...set.flatMap((s) => ['--set', s]),
        ])
      ).stdout,
    );

  it('lints clean and refuses a render without name or server', async () => {
    const lint = await helm(helmBin, ['lint', '--strict', CHART, '--set', 'name=x,server=https://hub,token=t']);
    expect(lint.stdout).toContain('0 chart(s) failed');
    expect(`${lint.stdout}${lint.stderr}`).not.toMatch(/\[(WARNING|ERROR)\]|level=WARN/);
    await expect(template([])).rejects.toThrow(/name is required/);
  });

  it('passes Pod Security restricted and OpenShift restricted-v2, chart and base alike', async () => {
    const chart = await template(['name=x', 'server=https://hub', 'token=t']);
    const base = parseObjects(await kubectl(kubectlBin, ['kustomize', join(REPO_ROOT, 'infra', 'agent')]));
    for (const objects of [chart, base]) {
      const pod = podOf(objects);
      expect(restrictedViolations(pod)).toEqual([]);
      // Nothing but the emptyDirs, the optional registration Secret and the kubeconfig ConfigMap: no PVC.
      expect(pod.volumes.filter((v: any) => v.persistentVolumeClaim)).toEqual([]);
      expect(byKind(objects, 'PersistentVolumeClaim')).toEqual([]);
      const c = pod.containers[0];
      expect(c.resources.limits.memory).toBe('512Mi');
      expect(c.env).toEqual(expect.arrayContaining([{ name: 'NODE_OPTIONS', value: '--max-old-space-size=384' }]));
    }
    // The restricted check itself catches what the old base had.
    expect(
      restrictedViolations({
        securityContext: { runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001 },
        containers: [{ name: 'a', securityContext: { readOnlyRootFilesystem: true } }],
      }),
    ).toHaveLength(5);
  });

  it('the image passes the agent Node options', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'docker', 'agent.Dockerfile'), 'utf8');
    const entry = JSON.parse(/^ENTRYPOINT (.*)$/m.exec(dockerfile)![1]!) as string[];
    expect(entry).toEqual(['node', ...AGENT_NODE_OPTIONS, 'apps/agent/src/main.js']);
  });

  it('binds cluster-admin-equivalent RBAC by default, and only namespaced writes with rbac.scope=namespaced', async () => {
    for (const objects of [
      await template(['name=x', 'server=https://hub']),
      parseObjects(await kubectl(kubectlBin, ['kustomize', join(REPO_ROOT, 'infra', 'agent')])),
    ]) {
      const role = one(objects, 'ClusterRole');
      expect(role.rules).toEqual([
        { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
        { nonResourceURLs: ['*'], verbs: ['*'] },
      ]);
      const binding = one(objects, 'ClusterRoleBinding');
      expect(binding.roleRef.name).toBe(role.metadata.name);
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'flotilla-agent', namespace: NS }]);
    }
    const scoped = await template([
      'name=x',
      'server=https://hub',
      'rbac.scope=namespaced',
      'rbac.namespaces={team-a,team-b}',
    ]);
    expect(
      byKind(scoped, 'Role')
        .map((r) => r.metadata.namespace)
        .sort(),
    ).toEqual([NS, 'team-a', 'team-b']);
    const clusterVerbs = byKind(scoped, 'ClusterRole').flatMap((r) =>
      (r.rules as { verbs: string[]; resourceNames?: string[] }[])
        .filter((x) => !x.resourceNames)
        .flatMap((x) => x.verbs),
    );
    expect([...new Set(clusterVerbs)].sort()).toEqual(['get', 'list', 'watch']);
    await expect(template(['name=x', 'server=https://hub', 'rbac.scope=everything'])).rejects.toThrow(
      /rbac.scope must be cluster or namespaced/,
    );
  });

  describe('installed on a cluster', { timeout: scaled(240_000) }, () => {
    let git: GitServer;
    let h: Harness;
    let sim: KubeSim;
    let head: string;
    const agents: PodProcess[] = [];
    /**
     * kubectl as the cluster admin. kube-sim accepts only the ServiceAccount's token while the
     * agent runs, and kubectl sends no bearer token to a plain-http server, so authentication is
     * off for the length of each admin command.
     */
    const k = (args: string[]) => adminKubectl(kubectlBin, sim, join(dir, 'cache'), [SA_TOKEN])(args);

    /** Runs the agent as the rendered pod would, its in-pod paths mapped to local files. */
    function runPod(objects: KubeObject[], podDir: string): PodProcess {
      mkdirSync(podDir, { recursive: true });
      const pod = podOf(objects);
      const c = pod.containers[0];
      const settings = one(objects, 'ConfigMap', c.envFrom[0].configMapRef.name).data as Record<string, string>;
      const kubeconfigMap = one(
        objects,
        'ConfigMap',
        pod.volumes.find((v: any) => v.name === 'kubeconfig').configMap.name,
      );
      // The projected ServiceAccount token, as the kubelet writes it.
      writeFileSync(join(podDir, 'sa-token'), SA_TOKEN);
      writeFileSync(
        join(podDir, 'kubeconfig'),
        (kubeconfigMap.data.kubeconfig as string)
          .replace('https://kubernetes.default.svc', sim.url)
          .replace(/^\s*certificate-authority: .*\n/m, '')
          .replace('/var/run/secrets/kubernetes.io/serviceaccount/token', join(podDir, 'sa-token')),
      );
      const local: Record<string, string> = {
        '/var/lib/flotilla': join(podDir, 'emptydir'),
        '/etc/flotilla/registration/token': join(dir, 'registration-token'),
        '/etc/flotilla/kubeconfig/kubeconfig': join(podDir, 'kubeconfig'),
      };
      const args = (c.args as string[]).map((a) => a.replace(/=(.*)$/, (_m, p: string) => `=${local[p] ?? p}`));
      const env: Record<string, string> = { ...settings, ...podEnv(objects) };
      const child = spawn(process.execPath, [...AGENT_NODE_OPTIONS, BIN, ...args], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out = { text: '' };
      child.stdout.on('data', (b: Buffer) => (out.text += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out.text += b.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const handle = { child, out, exited };
      agents.push(handle);
      return handle;
    }

    beforeAll(async () => {
      git = await startGitServer();
      head = await git.commit({ files: FLEET, message: 'team-a: RBAC and a CRD' });
      [h, sim] = await startHubAndCluster(git, 'chart', join(dir, 'sim-kubeconfig'));
    }, scaled(90_000));
    afterAll(async () => {
      for (const a of agents) a.child.kill('SIGKILL');
      await sim?.close();
      await h?.close();
      await git?.close();
    });

    const cluster = () =>
      h.gql(`{ cluster(name: "${NAME}") { connection sync { state appliedRevision } } }`).then((r) => r.data?.cluster);

    it('registers, goes Online, applies RBAC with "*", a binding to admin and a CRD with its object; restarts on its stored credential; a standby takes over', async () => {
      const { token } = await createRegistrationToken(h, { name: 'chart', tags: ['edge'] });
      const rendered = (
        await helm(helmBin, [
          'template',
          'flotilla-agent',
          CHART,
          '--namespace',
          NS,
          '--set',
          `name=${NAME},server=${h.cp.url},logLevel=info`,
          '--set',
          `token=${token}`,
        ])
      ).stdout;
      const objects = parseObjects(rendered);
      writeFileSync(join(dir, 'chart.yaml'), rendered);
      await k(['create', 'namespace', NS]);
      await k(['apply', '--server-side', '--field-manager', 'helm', '-f', join(dir, 'chart.yaml')]);
      const secret = JSON.parse(await k(['get', 'secret', 'flotilla-agent-registration', '-n', NS, '-o', 'json']));
      writeFileSync(join(dir, 'registration-token'), Buffer.from(secret.data.token, 'base64'));

      const first = runPod(objects, join(dir, 'pod-1'));
      await eventually(
        async () => {
          const c = await cluster();
          return c?.connection === 'ONLINE' && c.sync?.state === 'SYNCED' && c.sync.appliedRevision === head
            ? c
            : undefined;
        },
        60_000,
        `${NAME} Online and Synced`,
      );
      const role = JSON.parse(await k(['get', 'role', 'deployer', '-n', 'team-a', '-o', 'json']));
      expect(role.rules[0].verbs).toEqual(['*']);
      const binding = JSON.parse(await k(['get', 'rolebinding', 'team-a-admins', '-n', 'team-a', '-o', 'json']));
      expect(binding.roleRef.name).toBe('admin');
      const widget = JSON.parse(await k(['get', 'widgets.example.com', 'w1', '-n', 'team-a', '-o', 'json']));
      expect(widget.spec.size).toBe(3);
      const state = JSON.parse(await k(['get', 'secret', 'flotilla-agent-state', '-n', NS, '-o', 'json']));
      expect(Object.keys(state.data)).toEqual(expect.arrayContaining(['credential.json', 'desired.json']));

      // The registration Secret deleted, the pod restarted on a fresh node (empty emptyDir, no token file).
      await k(['delete', 'secret', 'flotilla-agent-registration', '-n', NS]);
      rmSync(join(dir, 'registration-token'));
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      const second = runPod(objects, join(dir, 'pod-2'));
      await expect.poll(() => second.out.text, { timeout: scaled(30_000) }).toContain('agent: started');
      expect(second.out.text).toContain('registration: using the stored credential');
      await eventually(
        async () => ((await cluster())?.connection === 'ONLINE' ? true : undefined),
        30_000,
        'Online again',
      );

      // A second replica stands by; the first killed with SIGKILL, it takes over within 30 s.
      const third = runPod(objects, join(dir, 'pod-3'));
      await expect.poll(() => third.out.text, { timeout: scaled(30_000) }).toContain('leader: standing by');
      const killedAt = Date.now();
      second.child.kill('SIGKILL');
      await expect.poll(() => third.out.text, { timeout: scaled(60_000), interval: 200 }).toContain('agent: started');
      expect(Date.now() - killedAt).toBeLessThan(30_000);
      expect(third.out.text).toContain('registration: using the stored credential');
      third.child.kill('SIGTERM');
      expect(await third.exited).toBe(0);
    });

    it('upgrades from chart N to N+1: the agent keeps its identity and re-applies nothing', async () => {
      const render = async (chart: string, set: string) =>
        (await helm(helmBin, ['template', 'flotilla-agent', chart, '--namespace', NS, '--set', set])).stdout;
      const credential = async () =>
        JSON.parse(
          Buffer.from(
            JSON.parse(await k(['get', 'secret', 'flotilla-agent-state', '-n', NS, '-o', 'json'])).data[
              'credential.json'
            ],
            'base64',
          ).toString(),
        ).clusterId as string;
      const before = await credential();
      // Version N runs.
      const n = await render(CHART, `name=${NAME},server=${h.cp.url},logLevel=info`);
      writeFileSync(join(dir, 'n.yaml'), n);
      await k(['apply', '--server-side', '--field-manager', 'helm', '-f', join(dir, 'n.yaml')]);
      const old = runPod(parseObjects(n), join(dir, 'pod-n'));
      await expect.poll(() => old.out.text, { timeout: scaled(60_000) }).toContain('reconcile: Synced');
      // Version N+1: a new chart version and a changed setting, so the pod is replaced.
      const next = join(dir, 'chart-next');
      cpSync(CHART, next, { recursive: true });
      writeFileSync(
        join(next, 'Chart.yaml'),
        readFileSync(join(CHART, 'Chart.yaml'), 'utf8').replace(/^version: .*$/m, 'version: 99.0.0'),
      );
      const n1 = await render(next, `name=${NAME},server=${h.cp.url},logLevel=debug`);
      expect(n1).toContain('helm.sh/chart: flotilla-agent-99.0.0');
      writeFileSync(join(dir, 'n1.yaml'), n1);
      await k(['apply', '--server-side', '--field-manager', 'helm', '-f', join(dir, 'n1.yaml')]);
      // The rolling update: the new pod stands by, the old one stops and releases the Lease.
      const fresh = runPod(parseObjects(n1), join(dir, 'pod-n1'));
      await expect.poll(() => fresh.out.text, { timeout: scaled(30_000) }).toContain('leader: standing by');
      const versions = () =>
        [
          ['namespaces', '', 'team-a'],
          ['roles.rbac.authorization.k8s.io', 'team-a', 'deployer'],
          ['rolebindings.rbac.authorization.k8s.io', 'team-a', 'team-a-admins'],
          ['customresourcedefinitions.apiextensions.k8s.io', '', 'widgets.example.com'],
          ['widgets.example.com', 'team-a', 'w1'],
        ].map(([r, ns, name]) => sim.api.store.get(r!, ns!, name!)?.metadata.resourceVersion as string);
      const versionsBefore = versions();
      expect(versionsBefore.every(Boolean)).toBe(true);
      sim.resetCounters();
      old.child.kill('SIGTERM');
      expect(await old.exited).toBe(0);
      await expect.poll(() => fresh.out.text, { timeout: scaled(60_000) }).toContain('reconcile: Synced');
      expect(fresh.out.text).toContain('registration: using the stored credential');
      expect(await credential()).toBe(before);
      // Nothing re-applied: its cache (the applied digests) went with the old pod's emptyDir, so the
      // plan asks the server with dry-runs, finds every object as it was and writes none of them.
      expect(fresh.out.text).toContain('0 to create, 0 to apply, 5 unchanged (5 dry-runs)');
      expect(versions()).toEqual(versionsBefore);
      expect(sim.counters['patch'] ?? 0).toBe(0);
      expect(sim.counters['create'] ?? 0).toBe(0);
      const clusters = (await h.gql('{ clusters(first: 10) { edges { node { name } } } }')).data?.clusters.edges;
      expect(clusters.map((e: { node: { name: string } }) => e.node.name)).toEqual([NAME]);
      fresh.child.kill('SIGTERM');
      expect(await fresh.exited).toBe(0);
    });
  });

  describe('installed with rbac.scope=namespaced', { timeout: scaled(180_000) }, () => {
    let git: GitServer;
    let h: Harness;
    let sim: KubeSim;
    let child: ChildProcess | undefined;
    const NAMESPACED = 'tenant-1';
    // Installed outside flotilla-system: state Secret, Lease and inventory follow the release namespace.
    const TNS = 'flotilla-tenant';
    const k = (args: string[]) => adminKubectl(kubectlBin, sim, join(dir, 'cache-ns'), [SA_TOKEN])(args);
    beforeAll(async () => {
      git = await startGitServer();
      [h, sim] = await startHubAndCluster(git, 'chart-ns', join(dir, 'sim-ns-kubeconfig'), TNS);
    }, scaled(90_000));
    afterAll(async () => {
      child?.kill('SIGKILL');
      await sim?.close();
      await h?.close();
      await git?.close();
    });

    it('applies what is in its namespaces (a Role with "*", a binding to admin) and fails, with a 403, outside them', async () => {
      const inside = await git.commit({
        files: {
          [`clusters/${NAMESPACED}/app.yaml`]: `apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: team-a }
data: { mode: calm }
---
${FLEET[`clusters/${NAME}/rbac.yaml`]}`,
        },
        message: 'team-a only',
      });
      const { token } = await createRegistrationToken(h, { name: 'tenant', tags: ['edge'] });
      const rendered = (
        await helm(helmBin, [
          'template',
          'flotilla-agent',
          CHART,
          '--namespace',
          TNS,
          '--set',
          `name=${NAMESPACED},server=${h.cp.url},token=${token},rbac.scope=namespaced,rbac.namespaces={team-a}`,
        ])
      ).stdout;
      writeFileSync(join(dir, 'chart-ns.yaml'), rendered);
      await k(['create', 'namespace', TNS]);
      await k(['create', 'namespace', 'team-a']);
      await k(['create', 'namespace', 'team-b']);
      await k(['apply', '--server-side', '--field-manager', 'helm', '-f', join(dir, 'chart-ns.yaml')]);
      const objects = parseObjects(rendered);
      const pod = podOf(objects);
      const c = pod.containers[0];
      const settings = one(objects, 'ConfigMap', c.envFrom[0].configMapRef.name).data as Record<string, string>;
      const podDir = join(dir, 'pod-ns');
      mkdirSync(podDir, { recursive: true });
      writeFileSync(join(podDir, 'sa-token'), SA_TOKEN);
      writeFileSync(join(podDir, 'token'), token);
      writeFileSync(
        join(podDir, 'kubeconfig'),
        (one(objects, 'ConfigMap', 'flotilla-agent-kubeconfig').data.kubeconfig as string)
          .replace('https://kubernetes.default.svc', sim.url)
          .replace(/^\s*certificate-authority: .*\n/m, '')
          .replace('/var/run/secrets/kubernetes.io/serviceaccount/token', join(podDir, 'sa-token')),
      );
      const local: Record<string, string> = {
        '/var/lib/flotilla': join(podDir, 'emptydir'),
        '/etc/flotilla/registration/token': join(podDir, 'token'),
        '/etc/flotilla/kubeconfig/kubeconfig': join(podDir, 'kubeconfig'),
      };
      const args = (c.args as string[]).map((a) => a.replace(/=(.*)$/, (_m, p: string) => `=${local[p] ?? p}`));
      const proc = spawn(process.execPath, [...AGENT_NODE_OPTIONS, BIN, ...args], {
        env: {
          ...process.env,
          ...settings,
          ...podEnv(objects),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = proc;
      let log = '';
      proc.stdout.on('data', (b: Buffer) => (log += b.toString()));
      proc.stderr.on('data', (b: Buffer) => (log += b.toString()));
      const sync = () =>
        h
          .gql(
            `{ cluster(name: "${NAMESPACED}") { sync { state appliedRevision lastResult { error { stage reason } } } } }`,
          )
          .then((r) => r.data?.cluster?.sync);
      await eventually(
        async () => {
          const s1 = await sync();
          return s1?.state === 'SYNCED' && s1.appliedRevision === inside ? s1 : undefined;
        },
        60_000,
        `${NAMESPACED} Synced inside team-a (log: ${log.slice(-2000)})`,
      );
      expect(JSON.parse(await k(['get', 'role', 'deployer', '-n', 'team-a', '-o', 'json'])).rules[0].verbs).toEqual([
        '*',
      ]);
      expect(
        JSON.parse(await k(['get', 'rolebinding', 'team-a-admins', '-n', 'team-a', '-o', 'json'])).roleRef.name,
      ).toBe('admin');
      // The inventory, state Secret and Lease are in the release namespace; nothing in flotilla-system.
      const inventory = JSON.parse(await k(['get', 'configmap', 'flotilla-inventory', '-n', TNS, '-o', 'json']));
      expect(inventory.data).toMatchObject({ format: '2', count: '3' });
      await k(['get', 'secret', 'flotilla-agent-state', '-n', TNS]);
      await k(['get', 'lease', 'flotilla-agent', '-n', TNS]);
      sim.setTokens(undefined);
      expect(sim.api.store.get('namespaces', '', NS)).toBeUndefined();
      sim.setTokens([SA_TOKEN]);

      const outside = await git.commit({
        files: {
          [`clusters/${NAMESPACED}/outside.yaml`]:
            'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: not-mine, namespace: team-b }\ndata: { a: "1" }\n',
        },
        message: 'team-b too',
      });
      const failed = await eventually(
        async () => {
          const s2 = await sync();
          return s2?.state === 'FAILED' ? s2 : undefined;
        },
        60_000,
        `${NAMESPACED} Failed outside its namespaces`,
      );
      expect(JSON.stringify(failed.lastResult)).toMatch(/forbidden/i);
      expect(failed.appliedRevision).toBe(inside);
      expect(outside).not.toBe(inside);
      sim.setTokens(undefined);
      expect(sim.api.store.get('configmaps', 'team-b', 'not-mine')).toBeUndefined();
      sim.setTokens([SA_TOKEN]);
    });
  });
});
